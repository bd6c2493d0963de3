// The Markdown tables of one run. Ratios compare medians of the same run: each Roomcast line
// against the ceiling and the peer (WebSocket), or against the Node REST baseline (REST).
import type {
  FanoutRow,
  IdleRow,
  InboxRow,
  RestLatencyRow,
  RestOp,
  RestThroughputRow,
  Results,
  RoomsRow,
} from "../lib/results";
import { ceilingOf, isRoomcast } from "../lib/results";
import { fmt } from "../lib/stats";
import { deflate, ratio, ratioSpread, spread, table } from "./format";
import { quietTable } from "./quiet";

function inboxTable(rows: InboxRow[]): string[] {
  const ms = (l: { p50: number; p99: number }) => `${fmt(l.p50)} / ${fmt(l.p99)}`;
  return [
    "### Inbox: N members' channels (/ws/me) connected, 1 sender, paced sends (beside N room sockets)",
    "",
    ...table(
      [
        "N",
        "msgs at msg/s",
        "channel: one head p50 / p99 ms",
        "every member has it p50 / p99 ms",
        "heads/s (per member per msg)",
        "room sockets: one p50 / p99 ms",
        "every socket p50 / p99 ms",
        "frames/s",
        "room msgs/s back to back: with channels / without",
        "check",
      ],
      rows.map((r) => [
        String(r.members),
        `${r.messages} at ${r.offeredPerSec}`,
        ms(r.inbox.one),
        ms(r.inbox.every),
        `${fmt(r.inbox.deliveriesPerSec)} (${fmt(r.inbox.headsPerMember / r.messages, 2)})`,
        ms(r.fanout.one),
        ms(r.fanout.every),
        fmt(r.fanout.deliveriesPerSec),
        `${fmt(r.roomMsgsPerSec.withChannels)} / ${fmt(r.roomMsgsPerSec.without)}`,
        r.integrity,
      ]),
    ),
  ];
}

function idleTable(rows: IdleRow[]): string[] {
  return [
    "### Idle cost (resident memory of the server's processes per 1,000 idle sockets)",
    "",
    ...table(
      ["server", "deflate (negotiated)", "sockets", "KiB per 1,000 connected", "after 15 s idle"],
      rows.map((r) => [
        r.server,
        deflate(r),
        String(r.sockets),
        fmt(r.kibPer1000),
        r.kibPer1000AfterIdle === null ? "(quick: not measured)" : fmt(r.kibPer1000AfterIdle),
      ]),
    ),
  ];
}

function fanoutTable(rows: FanoutRow[]): string[] {
  const same = (r: FanoutRow, server: string) =>
    rows.find((x) => x.receivers === r.receivers && x.deflate === r.deflate && x.server === server);
  return [
    "### Fan-out in one room (1 sender, N receivers)",
    "",
    ...table(
      [
        "N",
        "server",
        "deflate (negotiated)",
        "msgs/s in (median, min–max)",
        "deliveries/s",
        "p50 / p99 / max ms at ½ load",
        "vs its ceiling",
        "vs peer",
        "delivery check",
      ],
      rows.map((r) => [
        String(r.receivers),
        r.server,
        deflate(r),
        spread(r.msgsPerSec),
        fmt(r.deliveriesPerSec.median),
        `${fmt(r.latency.p50, 1)} / ${fmt(r.latency.p99, 1)} / ${fmt(r.latency.max, 1)} @ ${fmt(r.latency.offeredPerSec)}/s`,
        isRoomcast(r.server)
          ? `${ratio(r.msgsPerSec.median, same(r, ceilingOf(r.server))?.msgsPerSec.median)} (${ceilingOf(r.server)})`
          : r.server === "ceiling-batch"
            ? `${ratio(r.msgsPerSec.median, same(r, "ceiling")?.msgsPerSec.median)} (ceiling)`
            : "",
        isRoomcast(r.server) ? ratio(r.msgsPerSec.median, same(r, "peer")?.msgsPerSec.median) : "",
        r.integrity,
      ]),
    ),
  ];
}

/** Deliveries achieved ÷ offered (each message goes to the 5 members of its room), with the spread. */
function ofOffered(r: RoomsRow) {
  const offered = r.offeredPerSec * 5;
  const d = r.deliveriesPerSec;
  const x = (v: number) => fmt(v / offered, 2);
  return d.runs > 1 ? `${x(d.median)}× (${x(d.min)}–${x(d.max)})` : `${x(d.median)}×`;
}

function roomsTable(rows: RoomsRow[]): string[] {
  const peer = (r: RoomsRow) =>
    rows.find((x) => x.rooms === r.rooms && x.deflate === r.deflate && x.server === "peer");
  return [
    "### Many rooms (R rooms × 5 members, each sending 10 msg/s)",
    "",
    ...table(
      [
        "R",
        "server",
        "deflate (negotiated)",
        "deliveries/s (median, min–max)",
        "achieved ÷ offered",
        "p50 / p99 / max ms",
        "deliveries vs peer",
        "p99 vs peer",
        "delivery check",
      ],
      rows.map((r) => [
        String(r.rooms),
        r.server,
        deflate(r),
        spread(r.deliveriesPerSec),
        // Each message is delivered to the 5 members of its room.
        ofOffered(r),
        `${fmt(r.latency.p50, 1)} / ${fmt(r.latency.p99, 1)} / ${fmt(r.latency.max, 1)}`,
        isRoomcast(r.server) ? ratio(r.deliveriesPerSec.median, peer(r)?.deliveriesPerSec.median) : "",
        isRoomcast(r.server) ? ratio(r.latency.p99, peer(r)?.latency.p99) : "",
        r.integrity,
      ]),
    ),
  ];
}

const OP_LABEL: Record<RestOp, string> = {
  health: "GET /health",
  login: "POST /auth/login",
  room: "GET /room/{id}",
  history: "GET history page (50)",
  post: "POST message",
  fresh: "POST message, then GET history page (req/s of both)",
};

function restLatencyTable(rows: RestLatencyRow[]): string[] {
  const servers = [...new Set(rows.map((r) => r.server))];
  const cell = (server: string, op: RestOp) => rows.find((r) => r.server === server && r.op === op);
  const ops = [...new Set(rows.map((r) => r.op))];
  return [
    "### REST, one request at a time (median ms of sequential requests, min–max over runs; × its own /health)",
    "",
    ...table(
      ["request", ...servers, ...servers.filter(isRoomcast).map((s) => `${s} vs rest-pg`)],
      ops.map((op) => [
        OP_LABEL[op],
        ...servers.map((s) => {
          const r = cell(s, op);
          const health = cell(s, "health");
          if (!r) return "–";
          return op === "health"
            ? spread(r.ms, 1)
            : `${spread(r.ms, 1)} ${ratio(r.ms.median, health?.ms.median)}`;
        }),
        ...servers
          .filter(isRoomcast)
          .map((s) => ratio(cell(s, op)?.ms.median ?? Number.NaN, cell("rest-pg", op)?.ms.median)),
      ]),
    ),
  ];
}

function restThroughputTable(rows: RestThroughputRow[]): string[] {
  const base = (r: RestThroughputRow) => rows.find((x) => x.op === r.op && x.server === "rest-pg");
  return [
    "### REST, 10 concurrent clients (autocannon; rounds take turns between the servers, the ratio is per round: median (min–max))",
    "",
    ...table(
      ["request", "server", "req/s (median, min–max)", "p50 / p99 / max ms", "vs rest-pg", "non-2xx"],
      rows.map((r) => [
        OP_LABEL[r.op],
        r.server,
        spread(r.reqPerSec),
        `${fmt(r.latency.p50, 1)} / ${fmt(r.latency.p99, 1)} / ${fmt(r.latency.max, 1)}`,
        isRoomcast(r.server) ? ratioSpread(r.rounds ?? [r.reqPerSec.median], base(r)?.rounds) : "",
        String(r.non2xx),
      ]),
    ),
  ];
}

/** Every table of a run, in the order the scenarios ran. */
export function markdown(results: Results): string {
  const parts: string[][] = [];
  if (results.idle) parts.push(idleTable(results.idle));
  if (results.quiet) parts.push(quietTable(results.quiet, results.quietFloor));
  if (results.fanout) parts.push(fanoutTable(results.fanout));
  if (results.rooms) parts.push(roomsTable(results.rooms));
  if (results.inbox) parts.push(inboxTable(results.inbox));
  if (results.rest) {
    parts.push(restLatencyTable(results.rest.latency));
    parts.push(restThroughputTable(results.rest.throughput));
  }
  return parts.map((p) => p.join("\n")).join("\n\n");
}

export function heading(results: Results): string {
  const m = results.machine;
  const load = m.loadAverage
    ? ` Load average ${fmt(m.loadAverage.start, 1)} at the start, ${fmt(m.loadAverage.end, 1)} at the end (above ${m.cpus}: other work competed for the cores).`
    : "";
  return `Run ${results.startedAt} on ${m.cpus} × ${m.cpuModel}, ${m.memGiB} GiB, Node ${m.node} (load generators share the machine).${load} \`roomcast\`: plain workerd (production runtime), clients that ask for batches (\`batch=1\`, as the typed client does); \`roomcast-1by1\`: the same server, clients that take one frame per event; \`roomcast-dev\`: \`wrangler dev\`.`;
}
