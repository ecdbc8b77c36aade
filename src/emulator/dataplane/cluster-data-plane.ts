/**
 * The data plane of one emulated cluster: it follows the cluster's Services, Ingresses and Pods and keeps
 *  - one LoadBalancer listener per port of each LoadBalancer Service that has its loopback IP,
 *    spreading connections over the Service's ready pods;
 *  - one HTTP listener on port 80 of each Ingress's loopback address, routing by its rules to
 *    the ready pods of its backend Services (ingress-proxy.ts);
 *  - one demo server process per ready pod of the builtin demo image, with its container's
 *    environment as the kubelet gives it (container-env.ts);
 *  - the release order GKE keeps: a deleted (or no longer LoadBalancer) Service's listener is
 *    closed first, then the Service is annotated released, and only then does the kwok release
 *    stage remove the LB-cleanup finalizer.
 * It re-lists Services and Pods every `pollMs` (a handful of objects per cluster): simpler than
 * watches and indifferent to control-plane restarts.
 */
import {
  CoreV1Api,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Container,
  type V1Ingress,
  type V1Pod,
  type V1Service,
} from '@kubernetes/client-node';
import { LB_CLEANUP_FINALIZER, LB_RELEASED_ANNOTATION } from '../runtime/kwok-stages';
import { containerEnv, ContainerConfigError, type EnvSources } from './container-env';
import { startDemoProcess, stopDemoProcess, type DemoProcess } from './demo-processes';
import { IngressProxy } from './ingress-proxy';
import { LoadBalancer, type Backend } from './load-balancer';

/** The demo image as the data plane knows it: the host binary, and the image `Env` of each digest naming it. */
export interface DemoRuntime {
  binary: string;
  images: ReadonlyMap<string, readonly string[]>;
}

/** The port an Ingress's HTTP load balancer listens on. */
const INGRESS_HTTP_PORT = 80;

export interface ClusterDataPlaneOptions {
  /** For log lines: projects/P/locations/L/clusters/C. */
  name: string;
  kubeConfig: KubeConfig;
  /** The demo image's runtime; undefined ⇒ every pod gets simulated answers. */
  demo: () => Promise<DemoRuntime | undefined>;
  log: (line: string) => void;
  pollMs?: number;
}

const key = (o: { metadata?: { namespace?: string; name?: string } }) =>
  `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

const isReady = (p: V1Pod) =>
  !p.metadata?.deletionTimestamp &&
  p.status?.phase === 'Running' &&
  !!p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

const matches = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

const wantsLb = (s: V1Service) => s.spec?.type === 'LoadBalancer' && !s.metadata?.deletionTimestamp;

const ingressIp = (i: V1Ingress) =>
  i.metadata?.deletionTimestamp ? undefined : i.status?.loadBalancer?.ingress?.[0]?.ip;

/** Follows one cluster until stop(). */
export class ClusterDataPlane {
  private readonly lbs = new Map<string, LoadBalancer | IngressProxy>();
  /** Ready pods behind each Service (`ns/name`), read by the listeners on each connection or request. */
  private readonly backends = new Map<string, Backend[]>();
  private readonly ingresses = new Map<string, V1Ingress>();
  /** The last reason each demo pod could not start (logged once, retried every round). */
  private readonly configErrors = new Map<string, string>();
  private readonly demos = new Map<string, DemoProcess>();
  private readonly starting = new Map<string, Promise<void>>();
  private readonly failed = new Set<string>();
  private readonly core: CoreV1Api;
  private readonly net: NetworkingV1Api;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private demoRuntime: DemoRuntime | undefined;
  private lastError = '';

  constructor(private readonly o: ClusterDataPlaneOptions) {
    this.core = o.kubeConfig.makeApiClient(CoreV1Api);
    this.net = o.kubeConfig.makeApiClient(NetworkingV1Api);
  }

  start(): void {
    this.loop ??= (async () => {
      this.demoRuntime = await this.o.demo().catch((e: Error) => {
        this.o.log(`data plane ${this.o.name}: demo pods will be simulated (${e.message})`);
        return undefined;
      });
      while (!this.stopped) {
        await this.reconcile().then(
          () => (this.lastError = ''),
          (e: Error) => {
            if (e.message !== this.lastError) this.o.log(`data plane ${this.o.name}: ${e.message}`);
            this.lastError = e.message;
          },
        );
        await new Promise((r) => setTimeout(r, this.o.pollMs ?? 250));
      }
    })();
  }

  /** Closes every listener and stops every demo process (the cluster is stopped or deleted). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await Promise.all(this.starting.values());
    await Promise.all([...this.lbs.values()].map((lb) => lb.close()));
    this.lbs.clear();
    await Promise.all([...this.demos.values()].map((d) => stopDemoProcess(d)));
    this.demos.clear();
  }

  /** What the data plane serves now (the admin endpoint and tests). */
  describe(): { loadBalancers: Array<{ address: string; pods: string[] }>; demoPods: string[] } {
    return {
      loadBalancers: [...this.lbs.entries()].map(([k, lb]) => ({
        address: `${lb.ip}:${lb.port}`,
        pods: (this.backends.get(k.split('|')[0]!) ?? []).map((b) => b.pod),
      })),
      demoPods: [...this.demos.keys()],
    };
  }

  /** The pod's demo container and its image's `Env`, when it runs the demo image. */
  private demoOf(p: V1Pod): { container: V1Container; imageEnv: readonly string[] } | undefined {
    const images = this.demoRuntime?.images;
    for (const container of images ? (p.spec?.containers ?? []) : []) {
      const digest = container.image?.split('@')[1];
      const imageEnv = digest === undefined ? undefined : images?.get(digest);
      if (imageEnv) return { container, imageEnv };
    }
    return undefined;
  }

  private async reconcile(): Promise<void> {
    const [services, pods, ingresses] = await Promise.all([
      this.core.listServiceForAllNamespaces(),
      this.core.listPodForAllNamespaces(),
      this.net.listIngressForAllNamespaces(),
    ]);
    if (this.stopped) return;
    const ready = pods.items.filter(isReady);
    await this.syncDemoPods(ready);

    // Backends of every Service with a selector, read by the listeners on each connection.
    this.backends.clear();
    for (const s of services.items) {
      const ns = s.metadata?.namespace;
      this.backends.set(
        key(s),
        ready
          .filter((p) => p.metadata?.namespace === ns && matches(s.spec?.selector, p.metadata?.labels))
          .flatMap((p): Backend[] => {
            const pod = p.metadata?.name ?? '';
            const image = p.spec?.containers[0]?.image ?? '';
            if (!this.demoOf(p)) return [{ pod, image }];
            const proc = this.demos.get(key(p));
            return proc ? [{ pod, image, port: proc.port }] : []; // still starting
          }),
      );
    }

    // Listeners: one per port of each LoadBalancer Service with an IP, one per Ingress with an address.
    const wanted = new Map<string, { svc?: V1Service; ing?: V1Ingress; ip: string; port: number }>();
    for (const s of services.items.filter(wantsLb)) {
      const ip = s.status?.loadBalancer?.ingress?.[0]?.ip;
      if (!ip?.startsWith('127.')) continue; // nothing outside 127.0.0.0/8, ever
      for (const p of s.spec?.ports ?? []) wanted.set(`${key(s)}|${ip}:${p.port}`, { svc: s, ip, port: p.port });
    }
    this.ingresses.clear();
    for (const i of ingresses.items) {
      this.ingresses.set(key(i), i);
      const ip = ingressIp(i);
      if (ip?.startsWith('127.'))
        wanted.set(`ingress ${key(i)}|${ip}:${INGRESS_HTTP_PORT}`, { ing: i, ip, port: INGRESS_HTTP_PORT });
    }
    for (const [k, lb] of this.lbs)
      if (!wanted.has(k)) {
        await lb.close();
        this.lbs.delete(k);
        this.o.log(`data plane ${this.o.name}: released load balancer ${lb.ip}:${lb.port} (${k.split('|')[0]})`);
      }
    for (const k of this.failed) if (!wanted.has(k)) this.failed.delete(k);
    for (const [k, w] of wanted) {
      if (this.lbs.has(k) || this.failed.has(k)) continue;
      const svcKey = k.split('|')[0]!;
      try {
        this.lbs.set(k, await this.listen(svcKey, w));
        this.o.log(`data plane ${this.o.name}: load balancer of ${svcKey} listens on ${w.ip}:${w.port}`);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL' && w.ip !== '127.0.0.1' && w.svc) {
          // A system where only 127.0.0.1 is local (macOS): the LB moves there.
          await this.core.patchNamespacedServiceStatus(
            {
              name: w.svc.metadata?.name ?? '',
              namespace: w.svc.metadata?.namespace ?? '',
              body: { status: { loadBalancer: { ingress: [{ ip: '127.0.0.1', ipMode: 'VIP' }] } } },
            },
            setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
          );
          this.o.log(`data plane ${this.o.name}: ${w.ip} is not local here; ${svcKey} gets 127.0.0.1 instead`);
          continue;
        }
        this.failed.add(k);
        this.o.log(
          `data plane ${this.o.name}: cannot listen on ${w.ip}:${w.port} for ${svcKey}: ${(e as Error).message}`,
        );
      }
    }

    // Release order: listener closed (above) ⇒ annotate ⇒ the kwok stage removes the finalizer.
    for (const s of services.items) {
      const released = s.metadata?.annotations?.[LB_RELEASED_ANNOTATION] === 'true';
      const holds = s.metadata?.finalizers?.includes(LB_CLEANUP_FINALIZER);
      if (!wantsLb(s) && holds && !released) await this.annotate(s, 'true');
      else if (wantsLb(s) && released) await this.annotate(s, null); // a Service switched back to LoadBalancer
    }
  }

  private listen(
    svcKey: string,
    w: { ing?: V1Ingress; ip: string; port: number },
  ): Promise<LoadBalancer | IngressProxy> {
    if (!w.ing) return LoadBalancer.listen(w.ip, w.port, () => this.backends.get(svcKey) ?? []);
    const ingKey = key(w.ing);
    const ns = w.ing.metadata?.namespace ?? '';
    return IngressProxy.listen(
      w.ip,
      w.port,
      () => this.ingresses.get(ingKey),
      (service) => this.backends.get(`${ns}/${service}`) ?? [],
    );
  }

  private async annotate(s: V1Service, value: 'true' | null): Promise<void> {
    await this.core.patchNamespacedService(
      {
        name: s.metadata?.name ?? '',
        namespace: s.metadata?.namespace ?? '',
        body: { metadata: { annotations: { [LB_RELEASED_ANNOTATION]: value } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  private async syncDemoPods(ready: V1Pod[]): Promise<void> {
    const runtime = this.demoRuntime;
    const want = new Map(ready.filter((p) => this.demoOf(p)).map((p) => [key(p), p]));
    for (const k of this.configErrors.keys()) if (!want.has(k)) this.configErrors.delete(k);
    for (const [k, proc] of this.demos)
      if (!want.has(k)) {
        this.demos.delete(k);
        await stopDemoProcess(proc);
        this.o.log(`data plane ${this.o.name}: stopped demo pod ${k} (pid ${proc.child.pid})`);
      }
    if (!runtime) return;
    for (const [k, p] of want) {
      if (this.demos.has(k) || this.starting.has(k)) continue;
      const demo = this.demoOf(p)!;
      const started = containerEnv(p, demo.container, demo.imageEnv, this.envSources)
        .then((env) => startDemoProcess(runtime.binary, p.metadata?.name ?? '', env))
        .then(
          async (proc) => {
            if (this.stopped) return void (await stopDemoProcess(proc));
            this.demos.set(k, proc);
            proc.child.once('exit', () => this.demos.get(k) === proc && this.demos.delete(k));
            this.o.log(
              `data plane ${this.o.name}: demo pod ${k} runs as pid ${proc.child.pid} on 127.0.0.1:${proc.port}`,
            );
          },
          (e: Error) => {
            // A missing ConfigMap or Secret may come later: try again each round, say it once.
            if (e instanceof ContainerConfigError && this.configErrors.get(k) === e.message) return;
            if (e instanceof ContainerConfigError) this.configErrors.set(k, e.message);
            this.o.log(`data plane ${this.o.name}: demo pod ${k} did not start: ${e.message}`);
          },
        )
        .finally(() => this.starting.delete(k));
      this.starting.set(k, started);
    }
  }

  /** What a demo container's environment refers to, read fresh when its pod starts. */
  private readonly envSources: EnvSources = {
    configMap: (namespace, name) =>
      this.core.readNamespacedConfigMap({ namespace, name }).then(
        (c) => c.data ?? {},
        (e: { code?: number }) => (e.code === 404 ? undefined : Promise.reject(e as Error)),
      ),
    secret: (namespace, name) =>
      this.core.readNamespacedSecret({ namespace, name }).then(
        (c) => c.data ?? {},
        (e: { code?: number }) => (e.code === 404 ? undefined : Promise.reject(e as Error)),
      ),
  };
}
