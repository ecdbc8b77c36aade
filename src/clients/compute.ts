/**
 * Compute Engine's machineTypes/acceleratorTypes `get`, over REST as compute.googleapis.com
 * serves it (the gcp target, ADC) or as the local emulator serves it on its admin port
 * (`http://127.0.0.1:<GKEFLOW_EMULATOR_ADMIN_PORT>/compute/v1/…`, or GKEFLOW_EMULATOR_ADMIN_ADDRESS).
 * Used by `up`/`plan` only, to check a spec before anything starts.
 */
import { checkEndpoints, localAddress } from '../config/endpoints';
import { requestHeaders } from './credentials';
import { tokenSourceFor } from './gke';
import type { TargetConfig } from './config';

/** What Compute Engine said about one resource: it exists (its body), it does not, or another status. */
export type ComputeAnswer =
  { found: true; body: Record<string, unknown> } | { found: false; status: number; message: string };

/** GET of a path under `compute/v1/` (`projects/P/zones/Z/machineTypes/M`). */
export type ComputeGet = (path: string) => Promise<ComputeAnswer>;

/** Where Compute Engine's REST API is for a target. */
export function computeBaseUrl(config: TargetConfig, env: NodeJS.ProcessEnv = process.env): string {
  if (config.target === 'gcp') return 'https://compute.googleapis.com/compute/v1';
  const admin = env.GKEFLOW_EMULATOR_ADMIN_ADDRESS || localAddress(checkEndpoints(env).endpoints.ports.emulatorAdmin);
  return `http://${admin}/compute/v1`;
}

/** Compute Engine GETs through a target's credentials; a network failure or timeout throws. */
export function computeGetVia(config: TargetConfig, timeoutMs = 5000, base = computeBaseUrl(config)): ComputeGet {
  return async (path) => {
    const tokens = tokenSourceFor(config);
    const headers = tokens ? await requestHeaders(tokens) : {};
    const res = await fetch(`${base}/${path}`, { headers, signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.ok) return { found: true, body };
    const err = body.error as { message?: unknown } | undefined;
    return {
      found: false,
      status: res.status,
      message: typeof err?.message === 'string' ? err.message : res.statusText,
    };
  };
}
