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
