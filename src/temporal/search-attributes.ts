/**
 * gkeflow's search attributes on any Temporal: which of SEARCH_ATTRIBUTES (src/contract/labels,
 * the one list, also what the dev server registers by flags) a namespace lacks, and registering
 * them where the OperatorService allows it (self-hosted). A start with a missing one is
 * INVALID_ARGUMENT and an upsert of one wedges the workflow task, so `up`, `worker` and
 * `schedule create` check first (requireSearchAttributes) and `gkeflow temporal setup` fixes it.
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import { temporal } from '@temporalio/proto';
import type { ConnectionLike } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../contract/labels';
import { CliError, UsageError } from '../config/errors';

/** The two services the check and the setup call; a client Connection and a worker's NativeConnection both have them. */
export type TemporalServices = Pick<ConnectionLike, 'workflowService' | 'operatorService'>;

const IVT = temporal.api.enums.v1.IndexedValueType;
/** The wire value of each type gkeflow uses. */
const WIRE_TYPE = { KEYWORD: IVT.INDEXED_VALUE_TYPE_KEYWORD, DATETIME: IVT.INDEXED_VALUE_TYPE_DATETIME } as const;

/** The type names Temporal's tools (tcld, `temporal operator`) take. */
const TYPE_NAME = { KEYWORD: 'Keyword', DATETIME: 'Datetime' } as const;

export interface WantedAttribute {
  name: string;
  type: keyof typeof TYPE_NAME;
}

/** Every search attribute gkeflow needs, from the one list. */
export const wantedAttributes = (): WantedAttribute[] =>
  Object.values(SEARCH_ATTRIBUTES).map((k) => ({ name: k.name, type: k.type }));

export interface AttributeCheck {
  missing: WantedAttribute[];
  /** Registered with another type: setup cannot fix these (Temporal never changes a type). */
  wrongType: Array<WantedAttribute & { actual: number }>;
}

/** Thrown when the namespace does not exist (exit 2). */
export class NamespaceMissingError extends UsageError {
  constructor(namespace: string) {
    super(
      `namespace '${namespace}' does not exist on this Temporal: create it (temporal operator namespace create --namespace ${namespace}, or in Temporal Cloud) or set TEMPORAL_NAMESPACE`,
      'GKF-TEMPORAL-SETUP',
    );
  }
}

/** Thrown when gkeflow's search attributes are missing or mistyped (exit 2): nothing was started. */
export class SearchAttributesMissingError extends CliError {
  constructor(
    readonly namespace: string,
    readonly check: AttributeCheck,
  ) {
    const parts = [
      ...check.missing.map((a) => `${a.name} (${TYPE_NAME[a.type]}) is missing`),
      ...check.wrongType.map((a) => `${a.name} is not of type ${TYPE_NAME[a.type]}`),
    ];
    super(
      `namespace '${namespace}' lacks gkeflow's search attributes: ${parts.join(', ')}; run 'gkeflow temporal setup --namespace ${namespace}' first`,
      'GKF-TEMPORAL-SETUP',
    );
  }
}

const codeOf = (e: unknown): number | undefined => (e as { code?: number }).code;

/** Checks that the namespace exists and which attributes it lacks. */
export async function checkSearchAttributes(svc: TemporalServices, namespace: string): Promise<AttributeCheck> {
  try {
    await svc.workflowService.describeNamespace({ namespace });
  } catch (e) {
    if (codeOf(e) === grpcStatus.NOT_FOUND) throw new NamespaceMissingError(namespace);
    throw e;
  }
  const res = await svc.operatorService.listSearchAttributes({ namespace });
  const have = { ...(res.systemAttributes ?? {}), ...(res.customAttributes ?? {}) } as Record<string, number>;
  const check: AttributeCheck = { missing: [], wrongType: [] };
  for (const a of wantedAttributes()) {
    const actual = have[a.name];
    if (actual === undefined) check.missing.push(a);
    else if (actual !== WIRE_TYPE[a.type]) check.wrongType.push({ ...a, actual });
  }
  return check;
}

/** Throws SearchAttributesMissingError unless every attribute is registered with its type. */
export async function requireSearchAttributes(svc: TemporalServices, namespace: string): Promise<void> {
  const check = await checkSearchAttributes(svc, namespace);
  if (check.missing.length || check.wrongType.length) throw new SearchAttributesMissingError(namespace, check);
}

/** True for a Temporal Cloud endpoint (namespace endpoint or regional API-key endpoint). */
export const isTemporalCloud = (address: string): boolean =>
  /\.tmprl\.cloud(:\d+)?$|\.api\.temporal\.io(:\d+)?$/.test(address);

/** The `tcld` lines that register the missing attributes on Temporal Cloud (AddSearchAttributes is not permitted there). */
export function tcldLines(namespace: string, missing: WantedAttribute[]): string[] {
  return missing.map(
    (a) =>
      `tcld namespace search-attributes add --namespace ${namespace} --search-attribute "${a.name}=${TYPE_NAME[a.type]}"`,
  );
}

/** The outcome of registering: `denied` when the server does not let this client add attributes (Cloud). */
export type AddOutcome = { added: WantedAttribute[] } | { denied: string };

/**
 * Registers the missing attributes in one call. PermissionDenied/Unimplemented (Temporal Cloud,
 * or an authorizer that forbids it) comes back as `denied`; SQL visibility's per-namespace limits
 * (10 Keyword, 3 Datetime custom attributes) come back as a clear error.
 */
export async function addSearchAttributes(
  svc: TemporalServices,
  namespace: string,
  missing: WantedAttribute[],
): Promise<AddOutcome> {
  if (!missing.length) return { added: [] };
  try {
    await svc.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((a) => [a.name, WIRE_TYPE[a.type]])),
    });
  } catch (e) {
    const code = codeOf(e);
    if (code === grpcStatus.PERMISSION_DENIED || code === grpcStatus.UNIMPLEMENTED)
      return { denied: (e as Error).message };
    if (code === grpcStatus.INVALID_ARGUMENT || code === grpcStatus.FAILED_PRECONDITION)
      throw new UsageError(
        `cannot add search attributes to '${namespace}': ${(e as Error).message} (SQL visibility allows 10 Keyword and 3 Datetime custom attributes per namespace; gkeflow needs 4 Keyword and 1 Datetime)`,
        'GKF-TEMPORAL-SETUP',
      );
    throw e;
  }
  return { added: missing };
}

/**
 * True for a refusal because the namespace has not yet picked up attributes that are registered:
 * the server reads them from its namespace cache, refreshed every few seconds (2 s on a dev
 * server, `system.namespaceCacheRefreshInterval`, 10 s by default, on a self-hosted one), so a
 * start right after `AddSearchAttributes` fails INVALID_ARGUMENT "has no mapping defined for
 * search attribute …" for that long.
 */
export function attributeNotInEffect(e: unknown): boolean {
  for (let c: unknown = e, depth = 0; c && depth < 5; c = (c as { cause?: unknown }).cause, depth++)
    if (
      codeOf(c) === grpcStatus.INVALID_ARGUMENT &&
      /no mapping defined for search attribute|search attribute \S+ is not defined|is not a valid search attribute/i.test(
        (c as Error).message ?? '',
      )
    )
      return true;
  return false;
}

/** Thrown when registered attributes are still not in effect after the wait (exit 2): nothing was started. */
export class SearchAttributesNotInEffectError extends CliError {
  constructor(namespace: string, waitedMs: number) {
    super(
      `namespace '${namespace}' has gkeflow's search attributes registered but the server did not put them in effect within ${Math.round(waitedMs / 1000)} s (its namespace cache, system.namespaceCacheRefreshInterval); nothing was started: try again in a moment`,
      'GKF-TEMPORAL-SETUP',
    );
  }
}

/** How long a start keeps retrying while just-registered attributes settle (a self-hosted server refreshes every 10 s). */
export const ATTRIBUTES_SETTLE_MS = 30_000;

/**
 * Runs `fn`, retrying (every 500 ms, up to `timeoutMs`) while the server refuses it because the
 * attributes are not yet in effect; any other error is thrown at once. A refused start created
 * nothing, so retrying it is safe.
 */
export async function retryWhileAttributesSettle<T>(
  namespace: string,
  fn: () => Promise<T>,
  timeoutMs = ATTRIBUTES_SETTLE_MS,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (!attributeNotInEffect(e)) throw e;
      if (Date.now() - t0 >= timeoutMs) throw new SearchAttributesNotInEffectError(namespace, Date.now() - t0);
      await sleep(500);
    }
  }
}

/** A visibility query naming every attribute: the server accepts it only once all are in effect. */
export function attributesProbeQuery(): string {
  return wantedAttributes()
    .map((a) => (a.type === 'DATETIME' ? `${a.name} < '1970-01-02T00:00:00Z'` : `${a.name} = 'gkeflow-setup-probe'`))
    .join(' OR ');
}

/**
 * Waits until the namespace accepts a query on every gkeflow attribute (see attributeNotInEffect),
 * so that `temporal setup` returns only when an `up` right after it works.
 */
export async function awaitAttributesInEffect(
  svc: TemporalServices,
  namespace: string,
  timeoutMs = 2 * ATTRIBUTES_SETTLE_MS,
): Promise<number> {
  const t0 = Date.now();
  await retryWhileAttributesSettle(
    namespace,
    () => svc.workflowService.countWorkflowExecutions({ namespace, query: attributesProbeQuery() }),
    timeoutMs,
  );
  return Date.now() - t0;
}
