import { poolSizeText } from '../../gke/rules';
import { appSourceOf } from '../../contract/environment-spec';
import { envIdOf } from '../../envspec';
import { placeOf } from '../../contract/environment-spec';
import type { CommandInput } from '../command';
import { specFlag, specFromFlags } from '../flags';
import { emitResult, machineMode } from '../output';

/** `gkeflow validate -f spec.yaml`: check a spec without touching anything. */
export async function validateCommand(input: CommandInput): Promise<void> {
  const { flags, out } = input;
  const spec = specFromFlags(flags);
  if (machineMode(input)) return emitResult(input, { valid: true, envId: envIdOf(spec), spec });
  const pools = spec.cluster.nodePools
    .map((p) => `${p.name} ${poolSizeText(p.nodeCount, p.machineType, spec.location)}`)
    .join(', ');
  out(`${specFlag(flags)}: valid`);
  out(`  environment  ${envIdOf(spec)} (target ${spec.target})`);
  out(
    `  cluster      ${placeOf(spec)}: ${spec.cluster.existing !== undefined ? 'not created by gkeflow' : pools || spec.cluster.mode}`,
  );
  if (spec.deployment)
    out(`  deployment   ${spec.deployment.namespace}/${spec.deployment.name} × ${spec.deployment.replicas}`);
  if (spec.app)
    out(
      `  app          ${appSourceOf(spec.app)} → namespace ${spec.app.namespace}, endpoint ${spec.app.endpoint.service}:${spec.app.endpoint.port}`,
    );
  out(
    `  steps        ${spec.steps.length ? spec.steps.map((s) => ('scale' in s ? `scale ${s.scale}` : `resize ${s.resize.pool} → ${s.resize.nodeCount}`)).join(', ') : '(none)'}`,
  );
  out(`  ttl          ${spec.ttl}`);
}
