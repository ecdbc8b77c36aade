import { UsageError } from '../../config/errors';
import { connectClient, temporalConfig } from '../../temporal/connection';
import {
  addSearchAttributes,
  awaitAttributesInEffect,
  checkSearchAttributes,
  isTemporalCloud,
  tcldLines,
  wantedAttributes,
} from '../../temporal/search-attributes';
import type { CommandInput } from '../command';
import { emitResult } from '../output';

/**
 * `gkeflow temporal setup [--namespace N]`: make a namespace ready for gkeflow. Checks it exists,
 * lists gkeflow's search attributes, and registers the missing ones through the OperatorService
 * (self-hosted); on Temporal Cloud, where that is not permitted, prints the `tcld` lines and exits 2.
 */
export async function setupCommand(input: CommandInput): Promise<number> {
  const { flags, out, err } = input;
  const cfg = temporalConfig();
  const namespace = typeof flags.namespace === 'string' && flags.namespace ? flags.namespace : cfg.namespace;
  const { client, close } = await connectClient({ ...cfg, namespace });
  try {
    const svc = client.connection;
    const check = await checkSearchAttributes(svc, namespace);
    if (check.wrongType.length)
      throw new UsageError(
        `namespace '${namespace}': ${check.wrongType.map((a) => `${a.name} is registered with another type than ${a.type}`).join(', ')}; Temporal cannot change a type: remove the attribute or use another namespace`,
        'GKF-TEMPORAL-SETUP',
      );
    const missing = new Set(check.missing.map((a) => a.name));
    for (const a of wantedAttributes())
      out(`${a.name.padEnd(18)} ${a.type.padEnd(9)} ${missing.has(a.name) ? 'missing' : 'ok'}`);
    const attributes = (added: string[] = []) =>
      wantedAttributes().map((a) => ({
        name: a.name,
        type: a.type,
        state: added.includes(a.name) ? 'added' : missing.has(a.name) ? 'missing' : 'ok',
      }));
    if (!missing.size) {
      out(`namespace ${namespace} on ${cfg.address}: ready for gkeflow`);
      emitResult(input, { namespace, address: cfg.address, ready: true, attributes: attributes() });
      return 0;
    }
    const cloudHelp = (why: string) => {
      err(`${why}; register them with tcld (https://docs.temporal.io/cloud/tcld), then run this again:`);
      const tcld = tcldLines(namespace, check.missing);
      for (const l of tcld) out(l);
      emitResult(input, { namespace, address: cfg.address, ready: false, attributes: attributes(), tcld });
      return 2;
    };
    if (isTemporalCloud(cfg.address)) return cloudHelp('Temporal Cloud does not let clients add search attributes');
    const r = await addSearchAttributes(svc, namespace, check.missing);
    if ('denied' in r) return cloudHelp(`the server refused to add search attributes (${r.denied})`);
    const after = await checkSearchAttributes(svc, namespace);
    if (after.missing.length)
      throw new UsageError(
        `namespace '${namespace}': ${after.missing.map((a) => a.name).join(', ')} still missing after adding them`,
        'GKF-TEMPORAL-SETUP',
      );
    // Registered is not yet in effect: the server's namespace cache picks them up within seconds.
    const added = r.added.map((a) => a.name);
    err(`added ${added.join(', ')}; waiting for the server to put them in effect`);
    const waited = await awaitAttributesInEffect(svc, namespace);
    out(
      `added ${added.join(', ')} (in effect after ${(waited / 1000).toFixed(1)} s); namespace ${namespace} on ${cfg.address}: ready for gkeflow`,
    );
    emitResult(input, { namespace, address: cfg.address, ready: true, attributes: attributes(added) });
    return 0;
  } finally {
    await close();
  }
}
