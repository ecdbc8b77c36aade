/**
 * The endpoint check: an HTTP GET of the Service's external URL until it answers as expected.
 */
import type { TargetConfig } from '../clients/config';
import { cancelSignal, heartbeat, pause } from './progress';
import type { ProbeEndpointInput, ProbeEndpointResult } from '../contract/workload-io';

export interface ProbeActivityDeps {
  config: TargetConfig;
  /** How long to keep trying (a fresh GKE load balancer answers 502 for a while); default 3 min. */
  windowMs?: number;
  /** Pause between tries; default 5 s. */
  intervalMs?: number;
}

/**
 * Why the local target skips a probe; shown in the run's status. The emulator's load balancers
 * listen on loopback IPs (127.0.0.0/8) and are probed like GKE's; only an address outside that
 * range (a cluster without a kwok control plane, or one provisioned before the local data
 * plane existed) is skipped, since nothing may be sent outside 127.0.0.0/8 on the local target.
 */
export const LOCAL_PROBE_SKIPPED =
  'local target: the external IP is not a loopback address, so no local load balancer answers on it and ' +
  'nothing may be sent outside 127.0.0.0/8 (its pods are simulated by kwok); the rollout, the Service and its ' +
  'external IP were verified through the Kubernetes API instead';

const LOOPBACK_HOST_RE = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

/** Builds probeEndpoint. */
export function probeActivities(deps: ProbeActivityDeps) {
  const windowMs = deps.windowMs ?? 3 * 60_000;
  const intervalMs = deps.intervalMs ?? 5000;

  /**
   * GETs the URL until it answers `expectStatus` (default: any 2xx/3xx) or the window closes.
   * On the local target loopback URLs (the emulator's load balancers) are probed; others are
   * skipped with the reason.
   */
  async function probeEndpoint(input: ProbeEndpointInput): Promise<ProbeEndpointResult> {
    const url = new URL(input.url);
    if (deps.config.target === 'local' && !LOOPBACK_HOST_RE.test(url.hostname))
      return { ok: true, skipped: LOCAL_PROBE_SKIPPED };
    const accept = (s: number) => (input.expectStatus !== undefined ? s === input.expectStatus : s >= 200 && s < 400);
    const deadline = Date.now() + windowMs;
    let last: number | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        const signals = [AbortSignal.timeout((input.timeoutSeconds ?? 10) * 1000), cancelSignal()].filter(
          (s): s is AbortSignal => !!s,
        );
        const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.any(signals) });
        await res.arrayBuffer();
        last = res.status;
        if (accept(res.status)) return { ok: true, status: res.status };
      } catch (e) {
        if (cancelSignal()?.aborted) throw e;
        last = undefined; // refused / timed out: the load balancer is not serving yet
      }
      heartbeat({ step: 'probe', attempt, status: last });
      if (Date.now() + intervalMs > deadline) return last === undefined ? { ok: false } : { ok: false, status: last };
      await pause(intervalMs);
    }
  }

  return { probeEndpoint };
}
