/**
 * An `apply` update of a running app environment: push the image when the spec's image changed
 * (a new digest rolls out), apply the new bundle as the same ApplySet (which prunes what it no
 * longer holds), then adopt the new spec and delete the bundle it replaced.
 */
import { specChanges } from '../envspec/spec-diff';
import type { EnvironmentSpec } from '../contract/environment-spec';
import type { ApplySpecResult } from '../contract/messages';
import { describeError } from './errors';
import { resourceLabels, pushRequest } from './requests';
import { step, type EnvContext } from './provision';

const splitRef = (ref: string) => ({
  repository: ref.slice(0, ref.indexOf('@')),
  digest: ref.slice(ref.indexOf('@') + 1),
});

/** Applies `next` (validated by validateApplySpec: an app spec that changes only what may change). */
export async function applySpec(ctx: EnvContext, next: EnvironmentSpec): Promise<ApplySpecResult> {
  const prev = ctx.spec;
  const changed = specChanges(prev, next).map((c) => c.path);
  const { env, state } = ctx;
  const push = pushRequest(next, env);
  if (push && JSON.stringify(prev.image) !== JSON.stringify(next.image)) {
    const pushed = await step(ctx, 'pushImage', push);
    state.imageReference = pushed.reference;
  }
  const app = next.app!;
  const labels = resourceLabels(next, state.expiresAtMs);
  const r = await step(ctx, 'applyApp', {
    env,
    labels,
    namespace: app.namespace,
    bundle: app.bundle!,
    ...(state.imageReference ? { image: state.imageReference } : {}),
    endpoint: app.endpoint,
  });
  state.endpoint = `http://${r.ip}:${app.endpoint.port}`;
  ctx.spec = next;
  ctx.labels = labels;
  const old = prev.app?.bundle;
  if (old && old !== app.bundle) {
    // The replaced bundle only takes space now; a failure to delete it is noted, not fatal.
    const { repository, digest } = splitRef(old);
    await step(ctx, 'deleteImageTag', { env, repository, tag: digest }).catch((err: unknown) => {
      state.lastError = `delete the replaced bundle: ${describeError(err)}`;
    });
  }
  return { changed, applied: r.applied, pruned: r.pruned, endpoint: state.endpoint };
}
