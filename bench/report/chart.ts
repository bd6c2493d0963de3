// An SVG chart of one run's JSON results, written by hand (no dependency, no network): one panel
// per scenario, one bar per server — Roomcast's two lines against the baselines — and, for
// WebSocket scenarios, a pair of bars: clients without permessage-deflate and clients offering it.
import type { Results, ServerName } from "../lib/results";
import { fmt } from "../lib/stats";

type Bar = { server: ServerName; values: Array<{ series: string; value: number }> };
type Panel = { title: string; unit: string; lowerIsBetter: boolean; bars: Bar[] };

const COLOUR: Record<ServerName, string> = {
  roomcast: "#f38020",
  "roomcast-1by1": "#c45f12",
  "roomcast-client": "#e0663a",
  "roomcast-dev": "#fbad41",
  ceiling: "#9e9e9e",
  "ceiling-batch": "#6f6f6f",
  peer: "#4a7bd0",
  "rest-pg": "#3a9d5d",
};
const SERIES_OPACITY: Record<string, number> = { off: 1, deflate: 0.5, "": 1 };

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function wsPanels(results: Results): Panel[] {
  const panels: Panel[] = [];
  const pair = <R extends { server: ServerName; deflate: boolean }>(
    rows: R[],
    value: (r: R) => number,
  ): Bar[] => {
    const servers = [...new Set(rows.map((r) => r.server))];
    return servers.map((server) => ({
      server,
      values: rows
        .filter((r) => r.server === server)
        .map((r) => ({ series: r.deflate ? "deflate" : "off", value: value(r) })),
    }));
  };
  for (const n of [...new Set((results.quiet ?? []).map((r) => r.receivers))]) {
    const rows = (results.quiet ?? []).filter((r) => r.receivers === n);
    panels.push({
      title: `Quiet room, ${n} receivers: one message's p50 latency`,
      unit: "ms",
      lowerIsBetter: true,
      bars: rows.map((r) => ({ server: r.server, values: [{ series: "", value: r.latency.p50 }] })),
    });
  }
  for (const n of [...new Set((results.fanout ?? []).map((r) => r.receivers))]) {
    const rows = (results.fanout ?? []).filter((r) => r.receivers === n);
    panels.push({
      title: `Fan-out to ${n} receivers: messages in per second`,
      unit: "msgs/s",
      lowerIsBetter: false,
      bars: pair(rows, (r) => r.msgsPerSec.median),
    });
  }
  for (const n of [...new Set((results.rooms ?? []).map((r) => r.rooms))]) {
    const rows = (results.rooms ?? []).filter((r) => r.rooms === n);
    panels.push({
      title: `${n} rooms × 5 members at 10 msg/s each: p99 latency`,
      unit: "ms",
      lowerIsBetter: true,
      bars: pair(rows, (r) => r.latency.p99),
    });
  }
  if (results.idle?.length) {
    panels.push({
      title: "Idle memory per connected socket",
      unit: "KiB",
      lowerIsBetter: true,
      bars: pair(results.idle, (r) => r.kibPer1000 / 1000),
    });
  }
  return panels;
}

function restPanels(results: Results): Panel[] {
  if (!results.rest) return [];
  const panels: Panel[] = [];
  const label = { room: "GET /room/{id}", history: "history page of 50", post: "post a message" } as const;
  for (const op of ["room", "history", "post"] as const) {
    const rows = results.rest.throughput.filter((r) => r.op === op);
    if (rows.length)
      panels.push({
        title: `REST ${label[op]}, 10 concurrent clients`,
        unit: "req/s",
        lowerIsBetter: false,
        bars: rows.map((r) => ({ server: r.server, values: [{ series: "", value: r.reqPerSec.median }] })),
      });
    const lat = results.rest.latency.filter((r) => r.op === op);
    if (lat.length)
      panels.push({
        title: `REST ${label[op]}, one request on an idle server`,
        unit: "ms",
        lowerIsBetter: true,
        bars: lat.map((r) => ({ server: r.server, values: [{ series: "", value: r.ms.median }] })),
      });
  }
  return panels;
}

const WIDTH = 820;
const LABEL_W = 120;
const BAR_H = 12;
const PANEL_GAP = 18;

/** The whole chart as an SVG document. */
export function chart(results: Results): string {
  const panels = [...wsPanels(results), ...restPanels(results)];
  const out: string[] = [];
  let y = 84;
  for (const p of panels) {
    const max = Math.max(
      ...p.bars.flatMap((b) => b.values.map((v) => v.value)).filter(Number.isFinite),
      1e-9,
    );
    out.push(
      `<text x="10" y="${y}" class="t">${esc(p.title)} <tspan class="n">(${p.unit}, ${p.lowerIsBetter ? "lower" : "higher"} is better)</tspan></text>`,
    );
    y += 8;
    for (const bar of p.bars) {
      const h = bar.values.length * BAR_H;
      out.push(
        `<text x="${LABEL_W - 6}" y="${y + h / 2 + 4}" class="l" text-anchor="end">${bar.server}</text>`,
      );
      for (const v of bar.values) {
        const w = Number.isFinite(v.value) ? Math.max(1, (v.value / max) * (WIDTH - LABEL_W - 110)) : 0;
        out.push(
          `<rect x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H - 2}" fill="${COLOUR[bar.server]}" fill-opacity="${SERIES_OPACITY[v.series] ?? 1}"/>`,
          `<text x="${LABEL_W + w + 4}" y="${y + BAR_H - 3}" class="v">${Number.isFinite(v.value) ? fmt(v.value, v.value < 10 ? 1 : 0) : "–"}${v.series === "deflate" ? " (deflate)" : ""}</text>`,
        );
        y += BAR_H;
      }
      y += 3;
    }
    y += PANEL_GAP;
  }
  const m = results.machine;
  const load = m.loadAverage
    ? `; load average ${fmt(m.loadAverage.start, 1)} → ${fmt(m.loadAverage.end, 1)}`
    : "";
  const head = [
    `<text x="10" y="20" class="h">Roomcast against the baselines — ${results.quick ? "quick" : "full"} run ${esc(results.startedAt)}</text>`,
    `<text x="10" y="36" class="n">${m.cpus} × ${esc(m.cpuModel)}, load generators on the same machine${load}; medians of ${results.quick ? 1 : 3} runs.</text>`,
    `<text x="10" y="49" class="n">roomcast: plain workerd, clients with batches; -1by1: one frame per event; -client: the typed client; -dev: wrangler dev;</text>`,
    `<text x="10" y="61" class="n">ceiling: bare ws broadcast; ceiling-batch: the same with per-turn batches; pale: deflate offered.</text>`,
  ];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y + 10}" viewBox="0 0 ${WIDTH} ${y + 10}" font-family="system-ui, sans-serif">
<style>.h{font-size:15px;font-weight:600}.t{font-size:12.5px;font-weight:600}.l{font-size:11px}.v{font-size:10px;fill:#333}.n{font-size:10px;font-weight:400;fill:#666}</style>
<rect width="100%" height="100%" fill="#fff"/>
${[...head, ...out].join("\n")}
</svg>
`;
}
