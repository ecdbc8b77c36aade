/**
 * The worker's logger, given to Temporal's Runtime so the SDK's lines, the workflows' and the
 * activities' all go through it: human lines by default, one JSON object per line with
 * GKEFLOW_LOG_FORMAT=json (workflow id, run id, activity, attempt as fields). No secret is ever
 * written: fields named like credentials and values that look like one are redacted.
 */
import { DefaultLogger, type LogEntry } from '@temporalio/worker';

/** Field names whose values are never logged. */
const SECRET_KEY = /token|secret|password|passwd|api.?key|credential|kubeconfig|private|cert|authorization/i;
/** Values that are credentials whatever their field is called. */
const SECRET_VALUE = /-----BEGIN [A-Z ]+-----|LS0tLS1CRUdJTi|\bBearer\s+\S+|\bya29\.[\w-]+/;

/** A value as it may be logged: credentials replaced by `[redacted]`, recursively. */
export function redact(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return SECRET_VALUE.test(v) ? '[redacted]' : v;
  if (v instanceof Error) return { name: v.name, message: redact(v.message) };
  if (!v || typeof v !== 'object' || depth > 4) return v;
  if (Array.isArray(v)) return v.map((x) => redact(x, depth + 1));
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [k, SECRET_KEY.test(k) ? '[redacted]' : redact(x, depth + 1)]),
  );
}

/** One log entry as the JSON line GKEFLOW_LOG_FORMAT=json writes. */
export function jsonLine(e: LogEntry): string {
  const meta = (redact(e.meta ?? {}) ?? {}) as Record<string, unknown>;
  const { workflowId, runId, workflowRunId, activityType, attempt, ...rest } = meta;
  return JSON.stringify({
    time: new Date(Number(e.timestampNanos / 1_000_000n)).toISOString(),
    level: e.level.toLowerCase(),
    msg: redact(e.message),
    ...(workflowId === undefined ? {} : { workflowId }),
    ...((runId ?? workflowRunId) === undefined ? {} : { runId: runId ?? workflowRunId }),
    ...(activityType === undefined ? {} : { activity: activityType }),
    ...(attempt === undefined ? {} : { attempt }),
    ...rest,
  });
}

/** The Runtime's logger for a log format; writes to `write` (stderr by default). */
export function workerLogger(
  format: 'json' | 'text',
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): DefaultLogger {
  if (format === 'json') return new DefaultLogger('INFO', (e) => write(jsonLine(e)));
  return new DefaultLogger('INFO', (e) => {
    const meta = e.meta && Object.keys(e.meta).length ? ` ${JSON.stringify(redact(e.meta))}` : '';
    write(
      `${new Date(Number(e.timestampNanos / 1_000_000n)).toISOString()} [${e.level}] ${String(redact(e.message))}${meta}`,
    );
  });
}
