/**
 * `gkeflow reap`: one reaper run now, its report as a table (or JSON). The reaper's flags are
 * read by reaper-options.ts, which `schedule create` shares.
 */
import { connectClient, temporalConfig } from '../../temporal/connection';
import { runReaperNow } from '../../temporal/schedules';
import type { ReapReport } from '../../workflows/reaper';
import { countOf, type ReapEntry } from '../../workflows/reaper/plan';
import type { CommandInput } from '../command';
import { emitResult, machineMode } from '../output';
import { confirmDeletion, requireConsent, terminalAsker } from '../confirm';
import { throwProblems } from '../flags';
import { reaperInputFromFlags, reaperTarget, reaperTaskQueue, requireWorker } from '../reaper-options';

/** The report as a table: one row per cluster (or repository leftover) deleted, planned, failed or skipped. */
export function reportTable(r: ReapReport): string[] {
  const rows: Array<[string, ReapEntry & { cause?: string }]> = [
    ...r.deleted.map((e): [string, ReapEntry] => [e.via === 'environment-workflow' ? 'ended' : 'deleted', e]),
    ...(r.kept ?? []).map((e): [string, ReapEntry] => ['kept', e]),
    ...r.planned.map((e): [string, ReapEntry] => [e.via === 'environment-workflow' ? 'would end' : 'would delete', e]),
    ...r.failed.map((e): [string, ReapEntry & { cause: string }] => ['failed', e]),
    ...r.skipped.map((e): [string, ReapEntry] => ['skipped', e]),
  ];
  const w = Math.max(10, ...rows.map(([, e]) => e.envId.length)) + 2;
  return [
    `${'ACTION'.padEnd(14)}${'ENVIRONMENT'.padEnd(w)}WHY`,
    ...rows.map(
      ([a, e]) =>
        `${a.padEnd(14)}${e.envId.padEnd(w)}${e.cause ?? e.reason}${e.repository ? ` (repository ${e.repository})` : ''}` +
        (e.repositoryKept ? `; repository kept: ${e.repositoryKept}` : ''),
    ),
    '',
    `${r.scanned} clusters${r.scannedRepositories === undefined ? '' : ` and ${r.scannedRepositories} repositories`} in ${r.projects.join(', ') || 'no project'} (${r.locations.join(', ')}): ` +
      (r.dryRun ? `${countOf(r, 'planned')} would go (dry run, nothing deleted)` : `${countOf(r, 'deleted')} deleted`) +
      (countOf(r, 'kept') ? `, ${countOf(r, 'kept')} kept` : '') +
      `, ${countOf(r, 'skipped')} skipped, ${countOf(r, 'failed')} failed` +
      (r.omitted ? ' (older rows omitted above)' : ''),
  ];
}

/** `gkeflow reap [--dry-run] [--project P]… [--location L] [--orphan-grace D] [--json]`. Exit 1 when a teardown failed. */
export async function reapCommand(cmd: CommandInput): Promise<number> {
  const { flags, out, err } = cmd;
  const problems: string[] = [];
  const input = reaperInputFromFlags(flags, problems);
  const target = reaperTarget(flags, problems);
  throwProblems('reap', problems);
  const asker = terminalAsker();
  if (!input.dryRun) requireConsent(flags, 'reap', asker); // no terminal, no --yes ⇒ exit 2 before connecting
  const cfg = temporalConfig();
  const { client, close } = await connectClient(cfg);
  try {
    const taskQueue = reaperTaskQueue(cfg, target);
    await requireWorker(client, taskQueue);
    if (!input.dryRun && flags.yes !== true) {
      // Name what goes: a dry run first, then the question; the real run judges each cluster again.
      const plan = await runReaperNow(client, taskQueue, { ...input, dryRun: true });
      if (!plan.report.planned.length) {
        err('nothing to reap (dry run found nothing to delete)');
        reportTable(plan.report).forEach((l) => out(l));
        emitResult(cmd, plan.report);
        return 0;
      }
      await confirmDeletion(flags, asker, [
        ...plan.report.planned.map(
          (e) => `${e.envId}: ${e.reason}${e.repository ? ` (repository ${e.repository})` : ''}`,
        ),
        ...(plan.report.omitted?.planned ? [`… and ${plan.report.omitted.planned} more`] : []),
      ]);
    }
    const { workflowId, report } = await runReaperNow(client, taskQueue, input);
    err(`reaper run ${workflowId}`);
    if (machineMode(cmd)) emitResult(cmd, report);
    else if (flags.json) out(JSON.stringify(report, null, 2));
    else reportTable(report).forEach((l) => out(l));
    return report.failed.length ? 1 : 0;
  } finally {
    await close();
  }
}
