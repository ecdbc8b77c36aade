/**
 * The fleet health sweep's judgement, pure (unit-tested, replay-safe): the verdict a report means
 * for a watched environment, the environments whose verdict changed (the only ones the sweep
 * signals), how often it sweeps, and what its one activity reads.
 */
import type { HealthReport } from '../contract/cluster-io';
import type { CarriedState } from '../contract/workflow-input';
import type { SweepHealthInput, WatchEntry } from '../contract/fleet-health';
import { expectedCauses } from './drift';

/** The verdict of a healthy environment. */
export const HEALTHY = 'healthy';
/** The verdict of an environment whose cluster GKE no longer lists (the environment confirms it itself). */
export const MISSING = 'missing';

/** Sweep interval when no watched environment asks for one. */
export const DEFAULT_SWEEP_MS = 5 * 60_000;

/** What one report means, in the words the environment uses too: `healthy`, `missing` or the drift causes. */
export function sweepVerdict(entry: WatchEntry, r: HealthReport): string {
  if (r.cluster === 'MISSING') return MISSING;
  const causes = expectedCauses(entry.expectation, r);
  return causes.length ? causes.join('; ') : HEALTHY;
}

/** The verdict an environment reports to the sweep after its own check (same words as sweepVerdict). */
export function ownVerdict(state: Pick<CarriedState, 'drift' | 'missingChecks'>): string {
  if ((state.missingChecks ?? 0) > 0) return MISSING;
  return state.drift ?? HEALTHY;
}

/**
 * The environments whose verdict changed since the sweep (or the environment itself) last
 * said, with the new verdict: healthy→degraded, a changed cause, degraded→healthy, a missing
 * cluster. An environment without a report (not read this sweep) is left alone.
 */
export function changedVerdicts(
  watching: Record<string, WatchEntry>,
  reports: Record<string, HealthReport>,
): Array<{ envId: string; verdict: string }> {
  const changed: Array<{ envId: string; verdict: string }> = [];
  for (const [envId, entry] of Object.entries(watching)) {
    const r = reports[envId];
    if (!r) continue;
    const verdict = sweepVerdict(entry, r);
    if (verdict !== entry.verdict) changed.push({ envId, verdict });
  }
  return changed;
}

/** The sweep's interval: the smallest its environments ask for (default 5 minutes), at least 100 ms. */
export function sweepEveryMs(watching: Record<string, WatchEntry>): number {
  const asked = Object.values(watching).map((e) => e.intervalMs);
  return Math.max(100, asked.length ? Math.min(...asked) : DEFAULT_SWEEP_MS);
}

/** The sweepHealth activity's input for a watch list. */
export function sweepInput(project: string, location: string, watching: Record<string, WatchEntry>): SweepHealthInput {
  return {
    project,
    location,
    targets: Object.values(watching).map(({ expectation: x }) => ({
      env: x.env,
      namespace: x.namespace,
      service: x.service,
      ...(x.deployment !== undefined ? { deployment: x.deployment } : {}),
    })),
  };
}
