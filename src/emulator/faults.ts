/**
 * Fault injection as data: a rule names an RPC (or `*`), the gRPC status code to answer, how
 * often (the next `count` matching calls, or with a `probability` drawn from a seeded PRNG so a
 * run repeats exactly), and optionally only for clusters carrying given resource labels.
 * `where: 'operation'` lets the call succeed and fails the long-running operation instead.
 */
import { status } from '@grpc/grpc-js';

/** One fault rule, as given in config, env or the admin endpoint (see docs/emulator.md). */
export interface FaultRule {
  /** RPC name as in the proto (`CreateCluster`, `GetOperation`, …) or `*` for every RPC. */
  rpc: string;
  /** gRPC status: a name (`UNAVAILABLE`) or its number. */
  code: string | number;
  message?: string;
  /**
   * ErrorInfo.reason sent with the status (gax puts it in err.reason), e.g. RATE_LIMIT_EXCEEDED.
   * SERVICE_DISABLED answers as Google does for a disabled API (PERMISSION_DENIED, its details).
   */
  reason?: string;
  /** Fire on the next N matching calls, then stop. */
  count?: number;
  /** Fire with this probability (0–1) on each matching call. Default 1 when count is unset. */
  probability?: number;
  /** Only for clusters whose resource labels include all of these. */
  labels?: Record<string, string>;
  /**
   * Only for requests whose resource (`name`, else `parent`) is this or below it, e.g.
   * `projects/denied` (every call in that project).
   */
  resource?: string;
  /** 'call' (default): the RPC fails. 'operation': the RPC returns an Operation that ends in this error. */
  where?: 'call' | 'operation';
}

/** A fault that fired: what to answer. */
export interface Fault {
  code: number;
  message: string;
  reason?: string;
  /** True when the rule set its own message (else the emulator may answer with Google's wording). */
  messageGiven: boolean;
  where: 'call' | 'operation';
}

/** Turns a status name or number into the number; throws naming the field. */
export function statusCode(code: string | number): number {
  const n = typeof code === 'number' ? code : (status as unknown as Record<string, number>)[code.toUpperCase()];
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 16)
    throw new Error(`faults[].code: unknown gRPC status ${JSON.stringify(code)}`);
  return n;
}

/** Checks a rule's fields; returns a normalised copy. */
export function checkFaultRule(r: FaultRule, i = 0): FaultRule {
  if (!r || typeof r !== 'object') throw new Error(`faults[${i}] must be an object`);
  if (typeof r.rpc !== 'string' || !r.rpc) throw new Error(`faults[${i}].rpc must be an RPC name or '*'`);
  statusCode(r.code);
  if (r.count !== undefined && !(Number.isInteger(r.count) && r.count >= 0))
    throw new Error(`faults[${i}].count must be an integer ≥ 0`);
  if (r.probability !== undefined && !(r.probability >= 0 && r.probability <= 1))
    throw new Error(`faults[${i}].probability must be between 0 and 1`);
  if (r.reason !== undefined && (typeof r.reason !== 'string' || !/^[A-Z][A-Z0-9_]*$/.test(r.reason)))
    throw new Error(`faults[${i}].reason must be an UPPER_SNAKE_CASE ErrorInfo reason`);
  if (r.resource !== undefined && (typeof r.resource !== 'string' || !/^projects\/[^/]+(\/[^/]+)*$/.test(r.resource)))
    throw new Error(`faults[${i}].resource must be a resource name such as projects/P or projects/P/locations/L`);
  if (r.where !== undefined && r.where !== 'call' && r.where !== 'operation')
    throw new Error(`faults[${i}].where must be 'call' or 'operation'`);
  return { ...r, labels: r.labels ? { ...r.labels } : undefined };
}

/** mulberry32: small, fast, good enough for chaos; same seed ⇒ same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The active rules and the PRNG they draw from. */
export class FaultInjector {
  private rules: FaultRule[] = [];
  private random: () => number;

  constructor(
    rules: FaultRule[] = [],
    private seed = 1,
  ) {
    this.random = seededRandom(seed);
    this.set(rules);
  }

  /** Replaces the rules (and restarts the PRNG from the seed, so a run repeats). */
  set(rules: FaultRule[], seed = this.seed): void {
    this.rules = rules.map(checkFaultRule);
    this.seed = seed;
    this.random = seededRandom(seed);
  }

  add(rule: FaultRule): void {
    this.rules.push(checkFaultRule(rule, this.rules.length));
  }

  list(): { seed: number; rules: FaultRule[] } {
    return { seed: this.seed, rules: this.rules.map((r) => ({ ...r })) };
  }

  /** The fault for this call, if a rule fires; consumes one from a counted rule. */
  check(rpc: string, labels: Record<string, string> | undefined, resource = ''): Fault | undefined {
    for (const r of this.rules) {
      if (r.rpc !== '*' && r.rpc !== rpc) continue;
      if (r.resource !== undefined && resource !== r.resource && !resource.startsWith(`${r.resource}/`)) continue;
      if (r.labels && !Object.entries(r.labels).every(([k, v]) => labels?.[k] === v)) continue;
      if (r.count !== undefined) {
        if (r.count <= 0) continue;
        if (r.probability !== undefined && this.random() >= r.probability) continue;
        r.count -= 1;
      } else if (this.random() >= (r.probability ?? 1)) continue;
      const code = statusCode(r.code);
      return {
        code,
        message: r.message ?? `injected fault: ${rpc} answered ${status[code]}`,
        reason: r.reason,
        messageGiven: r.message !== undefined,
        where: r.where ?? 'call',
      };
    }
    return undefined;
  }
}
