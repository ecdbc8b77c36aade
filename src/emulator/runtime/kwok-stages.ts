/**
 * The kwok Stages every gkeflow kwok cluster runs: node and pod lifecycles (kwok's own defaults
 * are replaced as soon as any custom Stage is given, so ours carry them) plus the LoadBalancer
 * stages that play GKE's cloud controller for Services.
 *
 * Why Stages and not a controller in TypeScript: kwok 0.8's stage controller works on any
 * resource (`resourceRef: {apiGroup: v1, kind: Service}`), runs inside the cluster's own
 * kwok process, survives restarts of whoever created the cluster, and needs no extra watch
 * connection per cluster in the emulator. The price: the delays are fixed when the cluster is
 * created (they are written into its kwok config).
 */

import { imagePullDeniedStage, PULL_DENIED_QUERY } from './kwok-image-pull';

/** Finalizer GKE's service controller puts on LoadBalancer Services until the LB is released. */
export const LB_CLEANUP_FINALIZER = 'service.kubernetes.io/load-balancer-cleanup';

/** Finalizer GKE's Ingress controller puts on an Ingress until its load balancer is released. */
export const INGRESS_FINALIZER = 'networking.gke.io/ingress-finalizer-V2';

/**
 * Where load-balancer IPs come from: the loopback range 127.0.0.0/8 (all of it is local on
 * Linux), so the emulator's data plane can really listen on each one and the printed endpoint
 * answers; nothing outside 127.0.0.0/8 is ever handed out. The second to fourth octets are
 * derived from the Service's uid (never 127.0.x.x, so never 127.0.0.1). Where a system has only
 * 127.0.0.1 (macOS), the data plane moves the Service's IP to 127.0.0.1 (then two LoadBalancer
 * Services need different ports).
 */
export const LB_IP_PREFIX = '127.';

/**
 * Annotation the emulator's data plane sets on a Service once its listener is closed; with a
 * data plane, the release stages wait for it, so the LB is released before the finalizer goes.
 */
export const LB_RELEASED_ANNOTATION = 'emulator.gkeflow.dev/load-balancer-released';

/** How long the fake cloud controller takes to provision and to release a load balancer. */
export interface LoadBalancerTimings {
  /** From Service creation (type LoadBalancer) to `status.loadBalancer.ingress[0].ip`. */
  provisionMs: number;
  /** From Service deletion to the cleanup finalizer being removed. */
  releaseMs: number;
  /** Extra random delay up to this many ms on top of each (kwok's jitter). Default 0. */
  jitterMs?: number;
  /** A data plane listens for the cluster's LBs: release only after it set LB_RELEASED_ANNOTATION. */
  dataPlane?: boolean;
}

/** Short but ordered like GKE (LB IP ~1 min there): a few seconds here. */
export const DEFAULT_LB_TIMINGS: LoadBalancerTimings = { provisionMs: 3000, releaseMs: 2000, jitterMs: 0 };

type Stage = { apiVersion: string; kind: 'Stage'; metadata: { name: string }; spec: Record<string, unknown> };

const stage = (name: string, kind: string, spec: Record<string, unknown>, apiGroup = 'v1'): Stage => ({
  apiVersion: 'kwok.x-k8s.io/v1alpha1',
  kind: 'Stage',
  metadata: { name },
  spec: { resourceRef: { apiGroup, kind }, ...spec },
});

const expr = (key: string, operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist', values?: string[]) =>
  values ? { key, operator, values } : { key, operator };

const delay = (ms: number, jitterMs = 0) =>
  jitterMs > 0 ? { durationMilliseconds: ms, jitterDurationMilliseconds: ms + jitterMs } : { durationMilliseconds: ms };

const notReady = expr('.status.conditions.[] | select( .type == "Ready" ) | .status', 'NotIn', ['True']);
const ready = expr('.status.conditions.[] | select( .type == "Ready" ) | .status', 'In', ['True']);

// Go templates rendered by kwok (sprig + kwok's NodeIP/PodIPsWith/... functions).
const nodeConditions = `{{ $now := Now }}
{{ $since := or .metadata.creationTimestamp $now }}
conditions:
{{ range NodeConditions }}
- lastHeartbeatTime: {{ $now | Quote }}
  lastTransitionTime: {{ $since | Quote }}
  message: {{ .message | Quote }}
  reason: {{ .reason | Quote }}
  status: {{ .status | Quote }}
  type: {{ .type | Quote }}
{{ end }}
addresses:
{{ with .status.addresses }}{{ YAML . 1 }}{{ else }}
- address: {{ NodeIP | Quote }}
  type: InternalIP
- address: {{ NodeName | Quote }}
  type: Hostname
{{ end }}
`;

const nodeInitialize = `${nodeConditions}
{{ with NodePort }}
daemonEndpoints:
  kubeletEndpoint:
    Port: {{ . }}
{{ end }}
allocatable:
{{ with .status.allocatable }}{{ YAML . 1 }}{{ else }}  cpu: "2"
  memory: 4Gi
  pods: "110"
{{ end }}
capacity:
{{ with .status.capacity }}{{ YAML . 1 }}{{ else }}  cpu: "2"
  memory: 4Gi
  pods: "110"
{{ end }}
nodeInfo:
  architecture: amd64
  containerRuntimeVersion: {{ printf "kwok-%s" Version | Quote }}
  kernelVersion: {{ printf "kwok-%s" Version | Quote }}
  kubeProxyVersion: {{ printf "kwok-%s" Version | Quote }}
  kubeletVersion: {{ printf "kwok-%s" Version | Quote }}
  operatingSystem: linux
  osImage: "Container-Optimized OS from Google (simulated by kwok)"
  bootID: ""
  machineID: ""
  systemUUID: ""
phase: Running
`;

const podRunning = `{{ $now := Now }}
conditions:
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: Initialized
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: Ready
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: ContainersReady
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: PodScheduled
containerStatuses:
{{ range .spec.containers }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: true
  started: true
  restartCount: 0
  state:
    running:
      startedAt: {{ $now | Quote }}
{{ end }}
{{ with .spec.initContainers }}
initContainerStatuses:
{{ range . }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: true
  restartCount: 0
  state:
    terminated:
      exitCode: 0
      reason: Completed
      startedAt: {{ $now | Quote }}
      finishedAt: {{ $now | Quote }}
{{ end }}
{{ end }}
{{ with NodeIPsWith .spec.nodeName }}
hostIP: {{ index . 0 | Quote }}
hostIPs:
{{ range . }}
- ip: {{ . | Quote }}
{{ end }}
{{ end }}
{{ with PodIPsWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) }}
podIP: {{ index . 0 | Quote }}
podIPs:
{{ range . }}
- ip: {{ . | Quote }}
{{ end }}
{{ end }}
phase: Running
startTime: {{ $now | Quote }}
`;

const podSucceeded = `{{ $now := Now }}
containerStatuses:
{{ range .spec.containers }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: false
  started: false
  restartCount: 0
  state:
    terminated:
      exitCode: 0
      reason: Completed
      startedAt: {{ $now | Quote }}
      finishedAt: {{ $now | Quote }}
{{ end }}
phase: Succeeded
`;

const lbIngress = `{{ $h := atoi (adler32sum .metadata.uid) }}
loadBalancer:
  ingress:
  - ip: "${LB_IP_PREFIX}{{ add1 (mod (div $h 65536) 254) }}.{{ mod (div $h 256) 256 }}.{{ add1 (mod $h 254) }}"
    ipMode: VIP
`;

const isLb = expr('.spec.type', 'In', ['LoadBalancer']);
const alive = expr('.metadata.deletionTimestamp', 'DoesNotExist');
const hasFinalizer = expr('.metadata.finalizers.[]', 'In', [LB_CLEANUP_FINALIZER]);
const lacksFinalizer = expr('.metadata.finalizers.[]', 'NotIn', [LB_CLEANUP_FINALIZER]);

const hasIngressFinalizer = expr('.metadata.finalizers.[]', 'In', [INGRESS_FINALIZER]);
const lacksIngressFinalizer = expr('.metadata.finalizers.[]', 'NotIn', [INGRESS_FINALIZER]);

/**
 * GKE's Ingress controller: the finalizer first, an address from 127.0.0.0/8 after the
 * provisioning delay, and on deletion the finalizer held until the load balancer is released.
 */
function ingressStages(lb: LoadBalancerTimings, jitter: number): Stage[] {
  const group = 'networking.k8s.io/v1';
  return [
    stage(
      'ingress-lb-finalizer',
      'Ingress',
      {
        selector: { matchExpressions: [alive, lacksIngressFinalizer] },
        next: { finalizers: { add: [{ value: INGRESS_FINALIZER }] } },
      },
      group,
    ),
    stage(
      'ingress-lb-provision',
      'Ingress',
      {
        selector: {
          matchExpressions: [alive, hasIngressFinalizer, expr('.status.loadBalancer.ingress', 'DoesNotExist')],
        },
        delay: delay(lb.provisionMs, jitter),
        next: { statusTemplate: lbIngress.replace('    ipMode: VIP\n', '') },
      },
      group,
    ),
    stage(
      'ingress-lb-release',
      'Ingress',
      {
        selector: { matchExpressions: [expr('.metadata.deletionTimestamp', 'Exists'), hasIngressFinalizer] },
        delay: delay(lb.releaseMs, jitter),
        next: { finalizers: { remove: [{ value: INGRESS_FINALIZER }] } },
      },
      group,
    ),
  ];
}

/** The node, pod and LoadBalancer Stages, as objects ready to be written as YAML documents. */
export function kwokStages(lb: LoadBalancerTimings = DEFAULT_LB_TIMINGS): Stage[] {
  const jitter = lb.jitterMs ?? 0;
  const released = lb.dataPlane ? { matchAnnotations: { [LB_RELEASED_ANNOTATION]: 'true' } } : {};
  return [
    stage('node-initialize', 'Node', {
      selector: { matchExpressions: [notReady] },
      next: { statusTemplate: nodeInitialize },
    }),
    // kwok renews node Leases itself; this refreshes the conditions now and then.
    stage('node-heartbeat', 'Node', {
      selector: { matchExpressions: [expr('.status.phase', 'In', ['Running']), ready] },
      delay: { durationMilliseconds: 600_000, jitterDurationMilliseconds: 610_000 },
      next: { statusTemplate: nodeConditions },
    }),
    stage('pod-ready', 'Pod', {
      selector: {
        matchExpressions: [
          alive,
          expr('.status.phase', 'In', ['Pending']),
          notReady,
          expr(PULL_DENIED_QUERY, 'NotIn', ['true']),
        ],
      },
      next: { statusTemplate: podRunning },
    }),
    imagePullDeniedStage,
    stage('pod-complete', 'Pod', {
      selector: {
        matchExpressions: [
          alive,
          expr('.status.phase', 'In', ['Running']),
          expr('.metadata.ownerReferences.[].kind', 'In', ['Job']),
        ],
      },
      next: { statusTemplate: podSucceeded },
    }),
    stage('pod-delete', 'Pod', {
      selector: { matchExpressions: [expr('.metadata.deletionTimestamp', 'Exists')] },
      next: { delete: true },
    }),
    // GKE's service controller: finalizer first (so a delete during provisioning still waits) …
    stage('service-lb-finalizer', 'Service', {
      selector: { matchExpressions: [isLb, alive, lacksFinalizer] },
      next: { finalizers: { add: [{ value: LB_CLEANUP_FINALIZER }] } },
    }),
    // … then the external IP after the provisioning delay …
    stage('service-lb-provision', 'Service', {
      selector: { matchExpressions: [isLb, alive, hasFinalizer, expr('.status.loadBalancer.ingress', 'DoesNotExist')] },
      delay: delay(lb.provisionMs, jitter),
      next: {
        statusTemplate: lbIngress,
        event: { type: 'Normal', reason: 'EnsuredLoadBalancer', message: 'Ensured load balancer' },
      },
    }),
    // … and on deletion, the finalizer stays until the load balancer is released.
    stage('service-lb-release', 'Service', {
      selector: { ...released, matchExpressions: [expr('.metadata.deletionTimestamp', 'Exists'), hasFinalizer] },
      delay: delay(lb.releaseMs, jitter),
      next: {
        finalizers: { remove: [{ value: LB_CLEANUP_FINALIZER }] },
        event: { type: 'Normal', reason: 'DeletedLoadBalancer', message: 'Deleted load balancer' },
      },
    }),
    // A Service switched away from LoadBalancer loses its LB the same way.
    stage('service-lb-deprovision', 'Service', {
      selector: {
        ...released,
        matchExpressions: [expr('.spec.type', 'NotIn', ['LoadBalancer']), alive, hasFinalizer],
      },
      delay: delay(lb.releaseMs, jitter),
      next: {
        finalizers: { remove: [{ value: LB_CLEANUP_FINALIZER }] },
        statusTemplate: 'loadBalancer:\n  ingress: null\n',
      },
    }),
    ...ingressStages(lb, jitter),
  ];
}
