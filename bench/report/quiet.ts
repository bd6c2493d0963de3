// The quiet-room table: one message at a time, p50/p99 per server, against both ceilings.
import type { FsyncFloor } from "../lib/disk";
import type { QuietRow } from "../lib/results";
import { ceilingOf, isRoomcast } from "../lib/results";
import { fmt } from "../lib/stats";
import { ratio, table } from "./format";

/**
 * The floor under the table: one durable local write. Roomcast's frames wait for one (the room's
 * SQLite commit, an `fsync`); the peer's for one too (PostgreSQL's WAL flush at its default
 * `synchronous_commit = on`); the ceilings store nothing.
 */
function floorLine(floor: FsyncFloor[] | undefined): string[] {
  if (!floor?.length) return [];
  const each = floor.map((f) => `${fmt(f.p50, 2)} ms (p90 ${fmt(f.p90, 2)})`).join(", then ");
  return [
    `Disk floor: a 4 KiB append + \`fsync\` beside the Durable Object files takes p50 ${each} (before, then after this table). ` +
      "Roomcast's frames wait for one such commit (the room's SQLite), the peer's for one PostgreSQL WAL flush (`synchronous_commit = on`); the ceilings store nothing.",
    "",
  ];
}

export function quietTable(rows: QuietRow[], floor?: FsyncFloor[]): string[] {
  const of = (r: QuietRow, server: string) =>
    rows.find((x) => x.receivers === r.receivers && x.server === server);
  const vs = (r: QuietRow, server: string) => {
    const c = of(r, server);
    return `${ratio(r.latency.p50, c?.latency.p50)} / ${ratio(r.latency.p99, c?.latency.p99)}`;
  };
  return [
    "### Quiet room: one message at a time (the next once every receiver has it), send → receipt at every receiver",
    "",
    ...floorLine(floor),
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
