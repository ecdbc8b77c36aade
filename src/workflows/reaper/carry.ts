/**
 * The teardowns a continued reaper run carries, by name (PATCHES.reaperBoundedPayloads): a
 * decision about a cluster or a namespace is rebuilt from its action, reason, project, location
 * and name exactly as classify made it, so 10,000 teardowns left cost ~20 bytes each in the
 * continue-as-new input instead of ~230. Anything that would not rebuild equal (repository
 * leftovers) is carried whole. Workflow-safe; unit-tested on its own.
 */
import { formatEnvId, formatTeardownId } from '../../contract/environment-id';
import type { ReapDecision } from './plan';

/** Clusters (or `cluster/namespace`) sharing an action, a reason, a project and a location. */
export interface TodoGroup {
  action: 'delete' | 'end';
  reason: string;
  project: string;
  location: string;
  names: string[];
}

/** The teardowns left, grouped by name; `whole`: the decisions a name does not rebuild. */
export interface CompactTodo {
  groups: TodoGroup[];
  whole: ReapDecision[];
}

/** The decision a group's name stands for (as classify makes it). */
function decisionOf(g: Omit<TodoGroup, 'names'>, name: string): ReapDecision {
  const [cluster = '', namespace] = name.split('/');
  const at = { project: g.project, location: g.location, cluster, ...(namespace !== undefined ? { namespace } : {}) };
  const base = { envId: formatEnvId(at), ...at };
  return g.action === 'delete'
    ? { ...base, action: 'delete', workflowId: formatTeardownId(base), reason: g.reason }
    : { ...base, action: 'end', reason: g.reason, workflowId: base.envId };
}

/** The same decision, field by field (key order aside). */
const same = (a: ReapDecision, b: ReapDecision) => {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof ReapDecision>;
  return [...keys].every((k) => a[k] === b[k]);
};

/** The decisions, grouped by name where the name rebuilds them; the order within a group is kept. */
export function compactTodo(ds: readonly ReapDecision[]): CompactTodo {
  const groups = new Map<string, TodoGroup>();
  const whole: ReapDecision[] = [];
  for (const d of ds) {
    const name = d.namespace !== undefined ? `${d.cluster}/${d.namespace}` : d.cluster;
    if (d.action === 'skip' || d.repository || !same(decisionOf({ ...d, action: d.action }, name), d)) {
      whole.push(d);
      continue;
    }
    const key = JSON.stringify([d.action, d.reason, d.project, d.location]);
    let g = groups.get(key);
    if (!g)
      groups.set(
        key,
        (g = { action: d.action, reason: d.reason, project: d.project, location: d.location, names: [] }),
      );
    g.names.push(name);
  }
  return { groups: [...groups.values()], whole };
}

/** The decisions a compact todo stands for: each group's, then the whole ones. */
export function expandTodo(c: CompactTodo): ReapDecision[] {
  return [...c.groups.flatMap((g) => g.names.map((n) => decisionOf(g, n))), ...c.whole];
}
