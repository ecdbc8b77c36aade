/**
 * The `app:` section of a spec: the user's own manifests, Kustomize overlay or Helm chart, the namespace
 * objects without one go to, and the LoadBalancer Service whose IP is the endpoint. The
 * alternative to `deployment:` + `service:`. Paths are relative to the spec file (parse.ts makes
 * them absolute); the CLI renders them and ships the result by digest (`bundle`, set by `up`).
 */
import { z } from 'zod';
import { dns1035LabelProblem, dns1123LabelProblem } from './names';

const checked = (problem: (v: string) => string | undefined) =>
  z.string().superRefine((v, ctx) => {
    const p = problem(v);
    if (p) ctx.addIssue({ code: 'custom', message: p });
  });

/** A rendered bundle in a registry, by digest: `HOST/PATH@sha256:<64 hex>`. */
export const BUNDLE_REF_RE = /^[a-z0-9.:-]+(\/[a-z0-9._-]+)+@sha256:[0-9a-f]{64}$/;

/** Helm's limit on a release name (it ends up in labels and object names). */
const HELM_RELEASE_MAX = 53;
/** A chart reference that is not a local path: rendering is local, so remote charts are pulled first. */
export const REMOTE_CHART = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Builds the `app:` schemas afresh on each call (not module constants: see buildSchemas in
 * schema.ts).
 */
export function buildAppSchemas() {
  /** `app.helm`: a local chart rendered with `helm template` (release, values, values files). */
  const helmSchema = z.strictObject({
    /** A chart directory (or packaged `.tgz`), relative to the spec file. */
    chart: z
      .string()
      .min(1, 'must name a chart directory')
      .refine((v) => !REMOTE_CHART.test(v), {
        message:
          'must be a local chart directory or .tgz (relative to the spec file); `helm pull` a remote chart first',
      }),
    /** The release name (`.Release.Name`). */
    release: checked((v) =>
      v.length > HELM_RELEASE_MAX
        ? `must be at most ${HELM_RELEASE_MAX} characters (Helm's limit on a release name)`
        : dns1123LabelProblem(v),
    ),
    /** Values files (`helm template -f`), relative to the spec file; later ones win. */
    valuesFiles: z.array(z.string().min(1, 'must name a values file')).default([]),
    /** Values set here (win over every values file). */
    values: z.record(z.string(), z.unknown(), { error: 'must be a mapping of chart values' }).default({}),
  });

  /** The `app:` schema: exactly one of manifests, kustomize, helm. */
  const appSchema = z
    .strictObject({
      /** A directory of YAML files (read recursively). */
      manifests: z.string().min(1, 'must name a directory').optional(),
      /** A directory holding a kustomization.yaml, rendered with `kubectl kustomize`. */
      kustomize: z.string().min(1, 'must name a directory').optional(),
      /** A local Helm chart, rendered with `helm template` (helm of the toolchain). */
      helm: helmSchema.optional(),
      /** The namespace of objects that name none (created if missing). */
      namespace: checked(dns1123LabelProblem).default('default'),
      /** The LoadBalancer Service whose IP is the endpoint (and the probe's target). */
      endpoint: z.strictObject({
        service: checked(dns1035LabelProblem),
        port: z.int({ error: 'must be a whole number (a port 1-65535)' }).min(1).max(65535),
      }),
      /** The rendered bundle, by digest; set by `gkeflow up` after it pushed the rendering. */
      bundle: z
        .string()
        .regex(BUNDLE_REF_RE, 'must be a registry reference by digest (REPOSITORY@sha256:…)')
        .optional(),
    })
    .superRefine((a, ctx) => {
      const n = [a.manifests, a.kustomize, a.helm].filter((x) => x !== undefined).length;
      if (n !== 1) ctx.addIssue({ code: 'custom', message: 'must have exactly one of manifests, kustomize, helm' });
    });
  return { helmSchema, appSchema };
}
