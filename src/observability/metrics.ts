/**
 * gkeflow's own metrics in Prometheus' text format: a small registry (counters, gauges,
 * histograms with labels) rather than a client library, served beside /healthz. Temporal's
 * runtime metrics are served by the SDK's own exporter (GKEFLOW_METRICS_ADDRESS).
 */
type Labels = Record<string, string>;

const key = (l: Labels) => JSON.stringify(Object.entries(l).sort(([a], [b]) => a.localeCompare(b)));
const fmt = (l: Labels) => {
  const e = Object.entries(l);
  return e.length
    ? `{${e.map(([k, v]) => `${k}="${v.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`).join(',')}}`
    : '';
};

interface Metric {
  render(): string[];
}

/** A monotonically increasing count per label set. */
export class Counter implements Metric {
  private values = new Map<string, { labels: Labels; v: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels);
    const e = this.values.get(k) ?? { labels, v: 0 };
    e.v += by;
    this.values.set(k, e);
  }
  render(): string[] {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} counter`,
      ...[...this.values.values()].map((e) => `${this.name}${fmt(e.labels)} ${e.v}`),
    ];
  }
}

/** A value per label set, replaced as a whole by each `set` (e.g. a fresh count from visibility). */
export class Gauge implements Metric {
  private values = new Map<string, { labels: Labels; v: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  /** Replaces every value at once. */
  reset(entries: Array<[Labels, number]>): void {
    this.values = new Map(entries.map(([labels, v]) => [key(labels), { labels, v }]));
  }
  render(): string[] {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} gauge`,
      ...[...this.values.values()].map((e) => `${this.name}${fmt(e.labels)} ${e.v}`),
    ];
  }
}

/** Observations in cumulative buckets, with their sum and count. */
export class Histogram implements Metric {
  private values = new Map<string, { labels: Labels; counts: number[]; sum: number; n: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[],
  ) {}
  observe(labels: Labels, v: number): void {
    const k = key(labels);
    const e = this.values.get(k) ?? { labels, counts: this.buckets.map(() => 0), sum: 0, n: 0 };
    this.buckets.forEach((b, i) => {
      if (v <= b) e.counts[i]!++;
    });
    e.sum += v;
    e.n++;
    this.values.set(k, e);
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const e of this.values.values()) {
      this.buckets.forEach((b, i) =>
        lines.push(`${this.name}_bucket${fmt({ ...e.labels, le: String(b) })} ${e.counts[i]}`),
      );
      lines.push(`${this.name}_bucket${fmt({ ...e.labels, le: '+Inf' })} ${e.n}`);
      lines.push(`${this.name}_sum${fmt(e.labels)} ${e.sum}`, `${this.name}_count${fmt(e.labels)} ${e.n}`);
    }
    return lines;
  }
}

/** gkeflow's metrics of one worker process. */
export class GkeflowMetrics {
  readonly environments = new Gauge('gkeflow_environments', 'Open environment workflows by phase (from visibility).');
  readonly reaperDeletions = new Counter(
    'gkeflow_reaper_deletions_total',
    'Resources the reaper deleted, by activity.',
  );
  readonly stepDuration = new Histogram(
    'gkeflow_step_duration_seconds',
    'Duration of each step (activity) attempt, by step and outcome.',
    [0.05, 0.25, 1, 5, 15, 60, 300, 1800],
  );
  /** The text a Prometheus scrape reads. */
  render(): string {
    return [this.environments, this.reaperDeletions, this.stepDuration].flatMap((m) => m.render()).join('\n') + '\n';
  }
}
