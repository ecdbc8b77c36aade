/**
 * A container's environment as the kubelet gives it: the image's `Env` first, then `envFrom`
 * (ConfigMaps and Secrets, each key under its prefix, in order), then `env` (literal values with
 * `$(VAR)` expansion, and `valueFrom`: configMapKeyRef, secretKeyRef, fieldRef), a later
 * definition replacing an earlier one. A missing ConfigMap, Secret or key that is not `optional`
 * stops the container from starting, as kubelet's CreateContainerConfigError does. Secret
 * values are decoded here and go only into the demo process's environment, never into a log.
 */
import type { V1Container, V1Pod } from '@kubernetes/client-node';

/** Reads what a container's environment refers to (undefined: the object does not exist). */
export interface EnvSources {
  configMap(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** The Secret's data, base64 as the API returns it. */
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
}

/** Why a container cannot start (kubelet's CreateContainerConfigError). */
export class ContainerConfigError extends Error {
  override readonly name = 'ContainerConfigError';
}

// kubelet accepts any C identifier-like name without '='; keys that are not skipped (with an event).
const ENV_NAME_RE = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** `$(VAR)` expansion as the kubelet does it: defined vars replaced, `$$` escapes, others left. */
export function expandEnvRefs(value: string, env: ReadonlyMap<string, string>): string {
  return value.replace(/\$\$|\$\(([^)]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && env.has(name) ? env.get(name)! : m;
  });
}

function fieldValue(pod: V1Pod, fieldPath: string): string {
  const meta = pod.metadata ?? {};
  const m = /^metadata\.(labels|annotations)\['([^']+)'\]$/.exec(fieldPath);
  if (m) return (m[1] === 'labels' ? meta.labels : meta.annotations)?.[m[2]!] ?? '';
  const simple: Record<string, string | undefined> = {
    'metadata.name': meta.name,
    'metadata.namespace': meta.namespace,
    'metadata.uid': meta.uid,
    'spec.nodeName': pod.spec?.nodeName,
    'spec.serviceAccountName': pod.spec?.serviceAccountName,
    'status.podIP': pod.status?.podIP,
    'status.hostIP': pod.status?.hostIP,
  };
  if (fieldPath in simple) return simple[fieldPath] ?? '';
  throw new ContainerConfigError(`fieldRef ${fieldPath} is not supported by the local data plane`);
}

/**
 * The environment of `container` in `pod`, over the image's `Env` lines (`K=V`).
 * Rejects with ContainerConfigError naming what is missing.
 */
export async function containerEnv(
  pod: V1Pod,
  container: V1Container,
  imageEnv: readonly string[],
  sources: EnvSources,
): Promise<Map<string, string>> {
  const ns = pod.metadata?.namespace ?? 'default';
  const env = new Map<string, string>();
  for (const line of imageEnv) {
    const i = line.indexOf('=');
    if (i > 0) env.set(line.slice(0, i), line.slice(i + 1));
  }
  const configMaps = new Map<string, Promise<Record<string, string> | undefined>>();
  const secrets = new Map<string, Promise<Record<string, string> | undefined>>();
  const configMap = (name: string) => {
    if (!configMaps.has(name)) configMaps.set(name, sources.configMap(ns, name));
    return configMaps.get(name)!;
  };
  const secret = async (name: string) => {
    if (!secrets.has(name)) secrets.set(name, sources.secret(ns, name));
    const data = await secrets.get(name)!;
    return data && Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
  };

  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    const kind = from.configMapRef ? 'configmap' : 'secret';
    if (!ref?.name) continue;
    const data = from.configMapRef ? await configMap(ref.name) : await secret(ref.name);
    if (!data) {
      if (ref.optional) continue;
      throw new ContainerConfigError(`${kind} "${ref.name}" not found`);
    }
    for (const [k, v] of Object.entries(data)) {
      const name = `${from.prefix ?? ''}${k}`;
      if (ENV_NAME_RE.test(name)) env.set(name, v);
    }
  }

  for (const e of container.env ?? []) {
    const vf = e.valueFrom;
    if (!vf) {
      env.set(e.name, expandEnvRefs(e.value ?? '', env));
      continue;
    }
    const keyRef = vf.configMapKeyRef ?? vf.secretKeyRef;
    if (keyRef) {
      const kind = vf.configMapKeyRef ? 'configmap' : 'secret';
      const data = vf.configMapKeyRef ? await configMap(keyRef.name ?? '') : await secret(keyRef.name ?? '');
      const value = data?.[keyRef.key];
      if (value === undefined) {
        if (keyRef.optional) continue;
        throw new ContainerConfigError(
          data
            ? `couldn't find key ${keyRef.key} in ${kind === 'configmap' ? 'ConfigMap' : 'Secret'} ${ns}/${keyRef.name}`
            : `${kind} "${keyRef.name}" not found`,
        );
      }
      env.set(e.name, value);
    } else if (vf.fieldRef) env.set(e.name, fieldValue(pod, vf.fieldRef.fieldPath));
    else
      throw new ContainerConfigError(
        `env ${e.name}: valueFrom.resourceFieldRef is not supported by the local data plane`,
      );
  }
  return env;
}
