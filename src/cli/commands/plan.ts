/**
 * `gkeflow plan -f SPEC [--json]`: what `up` would do, touching nothing. A new environment:
 * its cluster, image and every rendered object. A running one: the spec diff (and what an update
 * would refuse) and a server-side dry-run of every object (created / changed / pruned).
 */
import { createTargetClients } from '../../clients/index';
import { targetConfigFromEnv } from '../../clients/config';
import { planApp, type AppPlan } from '../../bundle/dry-run';
import { renderOrThrow } from '../../bundle/prepare';
import { toolchainRenderDeps } from '../../bundle/render-deps';
import type { Bundle } from '../../bundle/format';
import { expiresAtLabel, LABELS } from '../../contract/labels';
import { specQuery } from '../../contract/messages';
import { envIdOf, envRefOf, loadSpecFile, type EnvironmentSpec } from '../../envspec';
import { placeOf } from '../../contract/environment-spec';
import { fixedFieldProblems, specChanges, type SpecChange } from '../../envspec/spec-diff';
import type { SpecIssue } from '../../envspec/validate';
import { poolSizeText } from '../../gke/rules';
import { connectClient, temporalConfig } from '../../temporal/connection';
import { envHandle, envStatus } from '../../temporal/environments';
import { preflightUp } from '../gke-preflight';
import type { EnvironmentStatus } from '../../contract/workflow-input';
import type { CommandInput } from '../command';
import { emitResult, machineMode } from '../output';
import { specFlag } from '../flags';

interface Plan {
  envId: string;
  environment: 'new' | 'running';
  cluster: string[];
  image?: string;
  objects: Array<{ action: 'create' | 'change' | 'unchanged' | 'prune'; object: string; source?: string }>;
  changes: SpecChange[];
  refused: SpecIssue[];
}

/** What runs now, or undefined for an environment with no open run (or no reachable Temporal). */
async function runningOf(envId: string, err: (l: string) => void) {
  try {
    const { client, close } = await connectClient(temporalConfig());
    try {
      const st = await envStatus(client, envId).catch(() => undefined);
      if (!st?.status) return undefined;
      return { status: st.status, spec: await (await envHandle(client, envId)).query(specQuery) };
    } finally {
      await close();
    }
  } catch (e) {
    err(`warning: cannot reach Temporal (${(e as Error).message.split('\n')[0]}); planned as a new environment`);
    return undefined;
  }
}

/** The server-side dry-run of the app against the running cluster. */
async function dryRun(spec: EnvironmentSpec, status: EnvironmentStatus, bundle: Bundle): Promise<AppPlan> {
  const clients = createTargetClients(targetConfigFromEnv({ ...process.env, GKEFLOW_TARGET: spec.target }));
  try {
    const kc = await clients.kubeFor(envRefOf(spec));
    const labels = { ...spec.labels, [LABELS.expiresAt]: expiresAtLabel(status.expiresAtMs) };
    return await planApp(kc, envRefOf(spec), spec.app!.namespace, bundle, labels, status.imageReference);
  } finally {
    await clients.close();
  }
}

export async function planCommand(input: CommandInput): Promise<number> {
  const { flags, out, err } = input;
  const file = specFlag(flags);
  const spec = loadSpecFile(file);
  await preflightUp(spec, file, err); // GKE / Compute Engine refuse the location or a machine type ⇒ exit 2
  const bundle = await renderOrThrow(spec, file, toolchainRenderDeps(err)); // a bad manifest or chart ⇒ exit 2
  const envId = envIdOf(spec);
  const running = await runningOf(envId, err);
  const plan: Plan = {
    envId,
    environment: running ? 'running' : 'new',
    cluster: spec.cluster.nodePools.map((p) => `${p.name}: ${poolSizeText(p.nodeCount, p.machineType, spec.location)}`),
    ...(spec.image ? { image: `${spec.image.source} → ${spec.image.repository}:${spec.image.tag}` } : {}),
    objects: [],
    changes: running
      ? specChanges(running.spec, { ...spec, app: spec.app && { ...spec.app, bundle: running.spec.app?.bundle } })
      : [],
    refused: running ? fixedFieldProblems(running.spec, spec) : [],
  };
  if (!running) {
    for (const o of bundle.objects)
      plan.objects.push({
        action: 'create',
        object: `${o.object.kind} ${o.object.metadata?.namespace ?? spec.app?.namespace}/${o.object.metadata?.name}`,
        source: o.source,
      });
    if (spec.deployment)
      plan.objects.push({
        action: 'create',
        object: `Deployment ${spec.deployment.namespace}/${spec.deployment.name}`,
      });
    if (spec.service)
      plan.objects.push({ action: 'create', object: `Service ${spec.deployment?.namespace}/${spec.service.name}` });
  } else if (spec.app && running.spec.app && plan.refused.length === 0) {
    const r = await dryRun(spec, running.status, bundle);
    const add = (action: Plan['objects'][number]['action'], names: string[]) =>
      names.forEach((object) => plan.objects.push({ action, object }));
    add('create', r.created);
    add('change', r.changed);
    add('unchanged', r.unchanged);
    add('prune', r.pruned);
  }
  if (machineMode(input)) {
    emitResult(input, plan);
    return 0;
  }
  out(`plan for ${envId} (${plan.environment === 'new' ? 'new environment' : 'running'})`);
  if (plan.environment === 'new') {
    out(
      `  cluster    ${placeOf(spec)} in ${spec.location} (${spec.cluster.mode}): ${plan.cluster.join(', ') || 'Autopilot'}`,
    );
    if (plan.image) out(`  image      ${plan.image}`);
  }
  for (const c of plan.changes) out(`  change     ${c.path}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`);
  for (const r of plan.refused) out(`  refused    ${r.path}: ${r.message}`);
  for (const o of plan.objects) out(`  ${o.action.padEnd(10)} ${o.object}${o.source ? `   (${o.source})` : ''}`);
  if (
    plan.environment === 'running' &&
    plan.changes.length === 0 &&
    !plan.objects.some((o) => o.action !== 'unchanged')
  )
    out('  no change');
  return 0;
}
