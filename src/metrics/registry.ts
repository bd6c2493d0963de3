import type { Context } from "hono";
import type { AppEnv } from "../context";

/** One line of a metric: its labels and value. */
export type Sample = { labels?: Record<string, string>; value: number };

/** A gauge an operator scrapes: name (`roomcast_…`), help text, and how to read it now. */
export type Gauge = { name: string; help: string; read: () => Sample[] };

/**
 * Where gauges come from: one source per store it reads (PostgreSQL, the gauges object, a queue).
 * A source that fails is reported as `roomcast_metrics_source_up{source="…"} 0` and its gauges
 * are left out; the others still answer, so an outage shows in the metrics instead of hiding them.
 * To add a gauge (a push or webhook queue, say): add a source to METRIC_SOURCES (sources.ts).
 */
export type MetricSource = { name: string; collect: (c: Context<AppEnv>) => Promise<Gauge[]> };

const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');

function line(name: string, { labels, value }: Sample): string {
  const pairs = Object.entries(labels ?? {}).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return `${name}${pairs.length ? `{${pairs.join(",")}}` : ""} ${value}`;
}

/** The Prometheus text exposition format (version 0.0.4), which Prometheus and its kin read. */
export function renderPrometheus(gauges: Gauge[]): string {
  const blocks = gauges.map((g) =>
    [`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`, ...g.read().map((s) => line(g.name, s))].join(
      "\n",
    ),
  );
  return `${blocks.join("\n")}\n`;
}

/** Collects every source at once; a failed source becomes `…_source_up 0` instead of an error. */
export async function collect(c: Context<AppEnv>, sources: MetricSource[]): Promise<Gauge[]> {
  const results = await Promise.allSettled(sources.map((s) => s.collect(c)));
  const up: Gauge = {
    name: "roomcast_metrics_source_up",
    help: "1 when the source answered this scrape, 0 when it failed (its gauges are missing)",
    read: () =>
      sources.map((s, i) => ({
        labels: { source: s.name },
        value: results[i]?.status === "fulfilled" ? 1 : 0,
      })),
  };
  results.forEach((r, i) => {
    if (r.status === "rejected")
      console.warn(`metrics: source ${sources[i]?.name} failed: ${(r.reason as Error)?.message ?? r.reason}`);
  });
  return [up, ...results.flatMap((r) => (r.status === "fulfilled" ? r.value : []))];
}
