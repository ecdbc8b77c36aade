/**
 * The `gkeflow_environments{phase}` gauge's values: open environment workflows counted per phase
 * from Temporal's visibility (the GkeflowPhase search attribute), so every replica of the worker
 * reports the same fleet-wide numbers whichever runs it happens to host.
 */
import type { NativeConnection } from '@temporalio/worker';
import { SEARCH_ATTRIBUTES } from '../contract/labels';
import { ENVIRONMENT_WORKFLOW } from '../contract/messages';
import { CLOSED_PHASES, PHASES, type Phase } from '../contract/workflow-input';

/** Phases an open environment can be in. */
const OPEN_PHASES = PHASES.filter((p) => !CLOSED_PHASES.includes(p) || p === 'tearing-down');

/** Counts open environment workflows per phase. */
export async function countEnvironmentsByPhase(
  connection: NativeConnection,
  namespace: string,
): Promise<Array<[{ phase: Phase }, number]>> {
  return Promise.all(
    OPEN_PHASES.map(async (phase): Promise<[{ phase: Phase }, number]> => {
      const query = `WorkflowType = '${ENVIRONMENT_WORKFLOW}' AND ExecutionStatus = 'Running' AND ${SEARCH_ATTRIBUTES.phase.name} = '${phase}'`;
      const res = await connection.withDeadline(Date.now() + 5000, () =>
        connection.workflowService.countWorkflowExecutions({ namespace, query }),
      );
      return [{ phase }, Number(res.count ?? 0)];
    }),
  );
}
