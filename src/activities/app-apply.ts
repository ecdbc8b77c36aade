/**
 * applyApp: the user's rendered app, fetched from the registry by digest, server-side applied
 * as one ApplySet (KEP-3659) — CRDs first (until established), the app's namespace created if
 * missing, the parent widened to every group-kind before members are applied and narrowed after
 * the prune, so an interrupted run never loses track of a member. Then it waits for every
 * Deployment, StatefulSet and DaemonSet to roll out and every LoadBalancer Service to get an IP.
 */
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { fetchBundle } from '../bundle/transport';
import type { BundleObject } from '../bundle/format';
import type { TargetConfig } from '../clients/config';
import { ActivityError, InvalidArgumentError } from '../contract/activity-errors';
import type { ApplyAppInput, ApplyAppResult } from '../contract/app-io';
import type { EnvRef } from '../contract/environment-id';
import {
  APPLYSET_PARENT,
  applysetContents,
  applysetParent,
  asMember,
  groupKindOf,
  memberKey,
  withImage,
} from './applyset';
import { describeObject, objectClient, pollUntil, type ObjectClient } from './app-kube';
import { rolloutDone } from './kube';
import { namespaceManifest } from './kube-manifests';
import { cancelSignal } from './progress';

export interface AppActivityDeps {
  config: TargetConfig;
  kubeFor: (env: EnvRef) => Promise<KubeConfig>;
  /** Budget of every wait of one call (CRDs, rollouts, IPs, deletes); default 10 min. */
  waitTimeoutMs?: number;
  pollMs?: number;
}

/** Apply order: what others need first (namespaces, config, accounts), workloads, then what exposes them. */
const ORDER = ['Namespace', 'ServiceAccount', 'Secret', 'ConfigMap', 'PersistentVolumeClaim', 'Role', 'ClusterRole'];
const rank = (o: KubernetesObject) => {
  const i = ORDER.indexOf(o.kind ?? '');
  if (i >= 0) return i;
  if (o.kind === 'Service') return 20;
  if (o.kind === 'Ingress' || o.kind === 'Gateway' || o.kind === 'HTTPRoute') return 30;
  return 10;
};

const isCrd = (o: KubernetesObject) => o.kind === 'CustomResourceDefinition';

/** The bundle's objects with `$image` replaced; a bundle that cannot be read is bad input, not a retry. */
async function loadBundle(input: ApplyAppInput, config: TargetConfig): Promise<BundleObject[]> {
  const bundle = await fetchBundle(input.bundle, config, { signal: cancelSignal() }).catch((e: unknown) => {
    if (e instanceof ActivityError) throw e;
    throw new InvalidArgumentError(`bundle ${input.bundle}: ${(e as Error).message}`, { bundle: input.bundle });
  });
  return bundle.objects.map(({ source, object }) => ({ source, object: withImage(object, input.image) }));
}

export function appApplyActivities(deps: AppActivityDeps) {
  const waitMs = deps.waitTimeoutMs ?? 10 * 60_000;
  const pollMs = deps.pollMs ?? 500;

  /** Waits until every CRD of the bundle is Established. */
  async function crdsEstablished(c: ObjectClient, crds: KubernetesObject[]): Promise<void> {
    await pollUntil(
      'crds-established',
      async () => {
        const pending: string[] = [];
        for (const crd of crds) {
          const live = (await c.read(crd)) as { status?: { conditions?: Array<{ type: string; status: string }> } };
          if (!live?.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True'))
            pending.push(crd.metadata?.name ?? '');
        }
        return { done: pending.length === 0, progress: { pending } };
      },
      waitMs,
      pollMs,
    );
  }

  /** Waits for every workload's rollout and every LoadBalancer Service's IP; returns the IPs by Service. */
  async function settled(c: ObjectClient, members: KubernetesObject[]): Promise<Map<string, string>> {
    const ips = new Map<string, string>();
    await pollUntil(
      'app-rollout',
      async () => {
        const pending: string[] = [];
        for (const m of members) {
          const live = await c.read(m);
          if (!live) pending.push(`${describeObject(m)} (gone)`);
          else if (m.kind === 'Service' && (live as { spec?: { type?: string } }).spec?.type === 'LoadBalancer') {
            const ingress = (
              live as { status?: { loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string }> } } }
            ).status?.loadBalancer?.ingress?.[0];
            const ip = ingress?.ip ?? ingress?.hostname;
            if (ip) ips.set(`${m.metadata?.namespace}/${m.metadata?.name}`, ip);
            else pending.push(`${describeObject(m)} (external IP)`);
          } else if (!workloadReady(live)) pending.push(`${describeObject(m)} (rollout)`);
        }
        return { done: pending.length === 0, progress: { pending: pending.slice(0, 10), waiting: pending.length } };
      },
      waitMs,
      pollMs,
    );
    return ips;
  }

  return {
    /** Applies the bundle as the environment's ApplySet, prunes what it no longer holds, waits until it is up. */
    async applyApp(input: ApplyAppInput): Promise<ApplyAppResult> {
      const objects = await loadBundle(input, deps.config);
      const kc = await deps.kubeFor(input.env);
      const first = await objectClient(kc);
      const member = (o: KubernetesObject) => asMember(o, input.env, input.namespace, input.labels);
      if (input.namespace !== 'default')
        await first.apply(namespaceManifest(input.env, input.namespace), `namespace ${input.namespace}`);
      const crds = objects.filter((o) => isCrd(o.object));
      for (const { source, object } of crds)
        await first.apply(await first.placed(member(object), input.namespace, source), source);
      if (crds.length)
        await crdsEstablished(
          first,
          crds.map((o) => o.object),
        );
      // A client made after the CRDs are served: discovery is cached per client.
      const c = crds.length ? await objectClient(kc) : first;
      const placed: Array<{ source: string; object: KubernetesObject }> = [];
      for (const { source, object } of objects)
        placed.push({
          source,
          object: isCrd(object) ? member(object) : await c.placed(member(object), input.namespace, source),
        });
      const parentRef = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: APPLYSET_PARENT, namespace: input.namespace },
      };
      const before = applysetContents(await c.read(parentRef));
      const gks = placed.map((p) => groupKindOf(p.object));
      const nss = placed.map((p) => p.object.metadata?.namespace).filter((n): n is string => !!n);
      const parent = (g: string[], n: string[]) => applysetParent(input.env, input.namespace, g, n);
      // Widen first: a member applied before the parent lists its kind could be lost by an interrupted run.
      await c.apply(parent([...before.groupKinds, ...gks], [...before.namespaces, ...nss]), 'the ApplySet parent');
      for (const namespace of new Set(nss))
        if (
          namespace !== input.namespace &&
          namespace !== 'default' &&
          !placed.some((p) => p.object.kind === 'Namespace' && p.object.metadata?.name === namespace)
        )
          await c.apply(namespaceManifest(input.env, namespace), `namespace ${namespace}`);
      const ordered = [...placed].sort((a, b) => rank(a.object) - rank(b.object));
      for (const { source, object } of ordered) if (!isCrd(object)) await c.apply(object, source);
      const keep = new Set(placed.map((p) => memberKey(p.object)));
      const pruned: string[] = [];
      for (const gk of new Set(before.groupKinds))
        for (const o of await c.members(input.env, input.namespace, gk))
          if (!keep.has(memberKey(o)) && (await c.remove(o))) pruned.push(describeObject(o));
      await c.apply(parent(gks, nss), 'the ApplySet parent');
      const ips = await settled(
        c,
        ordered.map((p) => p.object),
      );
      const ip = ips.get(`${input.namespace}/${input.endpoint.service}`);
      if (!ip)
        throw new InvalidArgumentError(
          `app.endpoint.service: ${input.endpoint.service} is not a LoadBalancer Service of the app in ${input.namespace}`,
          { namespace: input.namespace, name: input.endpoint.service },
        );
      return { ip, applied: ordered.map((p) => describeObject(p.object)), pruned };
    },
  };
}

/** A Deployment, StatefulSet or DaemonSet whose rollout is complete (anything else: ready once applied). */
export function workloadReady(o: KubernetesObject): boolean {
  const s = (o as { status?: Record<string, number | string | undefined> }).status ?? {};
  const spec = (o as { spec?: { replicas?: number } }).spec ?? {};
  const gen = o.metadata?.generation ?? 1;
  const observed = Number(s.observedGeneration ?? 0) >= gen;
  const n = (k: string) => Number(s[k] ?? 0);
  switch (o.kind) {
    case 'Deployment':
      return (
        rolloutDone(o, spec.replicas ?? 1, { namespace: o.metadata?.namespace ?? '', name: o.metadata?.name ?? '' }) !==
        undefined
      );
    case 'StatefulSet': {
      const want = spec.replicas ?? 1;
      return (
        observed &&
        n('readyReplicas') === want &&
        n('updatedReplicas') === want &&
        s.currentRevision === s.updateRevision
      );
    }
    case 'DaemonSet':
      return (
        observed &&
        n('numberReady') === n('desiredNumberScheduled') &&
        n('updatedNumberScheduled') === n('desiredNumberScheduled')
      );
    default:
      return true;
  }
}
