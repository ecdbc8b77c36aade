/**
 * The `app:` section of a spec: the user's own manifests or Kustomize overlay, the namespace
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

/** The `app:` schema: exactly one of manifests, kustomize. */
export const appSchema = z
  .strictObject({
    /** A directory of YAML files (read recursively). */
    manifests: z.string().min(1, 'must name a directory').optional(),
    /** A directory holding a kustomization.yaml, rendered with `kubectl kustomize`. */
    kustomize: z.string().min(1, 'must name a directory').optional(),
    /** The namespace of objects that name none (created if missing). */
    namespace: checked(dns1123LabelProblem).default('default'),
    /** The LoadBalancer Service whose IP is the endpoint (and the probe's target). */
    endpoint: z.strictObject({
      service: checked(dns1035LabelProblem),
      port: z.int({ error: 'must be a whole number (a port 1-65535)' }).min(1).max(65535),
    }),
    /** The rendered bundle, by digest; set by `gkeflow up` after it pushed the rendering. */
    bundle: z.string().regex(BUNDLE_REF_RE, 'must be a registry reference by digest (REPOSITORY@sha256:…)').optional(),
  })
  .superRefine((a, ctx) => {
    const n = [a.manifests, a.kustomize].filter((x) => x !== undefined).length;
    if (n !== 1) ctx.addIssue({ code: 'custom', message: 'must have exactly one of manifests, kustomize' });
  });
