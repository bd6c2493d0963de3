// The quiet-room table: one message at a time, p50/p99 per server, against both ceilings.
import type { QuietRow } from "../lib/results";
import { ceilingOf, isRoomcast } from "../lib/results";
import { fmt } from "../lib/stats";
import { ratio, table } from "./format";

export function quietTable(rows: QuietRow[]): string[] {
  const of = (r: QuietRow, server: string) =>
    rows.find((x) => x.receivers === r.receivers && x.server === server);
  const vs = (r: QuietRow, server: string) => {
    const c = of(r, server);
    return `${ratio(r.latency.p50, c?.latency.p50)} / ${ratio(r.latency.p99, c?.latency.p99)}`;
  };
  return [
    "### Quiet room: one message at a time (the next once every receiver has it), send → receipt at every receiver",
    "",
    ...table(
      [
        "N",
        "server",
        "messages",
        "p50 / p99 / max ms",
        "p50 / p99 vs ceiling",
        "vs its ceiling",
        "delivery check",
      ],
      rows.map((r) => [
        String(r.receivers),
        r.server,
        String(r.messages),
        `${fmt(r.latency.p50, 2)} / ${fmt(r.latency.p99, 2)} / ${fmt(r.latency.max, 1)}`,
        r.server === "ceiling" ? "" : vs(r, "ceiling"),
        isRoomcast(r.server) ? `${vs(r, ceilingOf(r.server))} (${ceilingOf(r.server)})` : "",
        r.integrity,
      ]),
    ),
  ];
}
