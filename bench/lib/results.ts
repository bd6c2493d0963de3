import type { FsyncFloor } from "./disk";
import type { Latency, Summary } from "./stats";

/**
 * The servers under test. `roomcast` is the production-runtime line (plain workerd), with clients
 * that ask for batches as the typed client does; `roomcast-1by1` is the same server with clients
 * that take one frame per event (any client that does not send `batch=1`); `roomcast-client` the
 * same server driven by the shipped typed client (client/'s `RoomSocket`). `ceiling` is a bare
 * `ws` broadcast, `ceiling-batch` the same with per-turn batches.
 */
export const WS_SERVERS = [
  "roomcast",
  "roomcast-1by1",
  "roomcast-client",
  "roomcast-dev",
  "ceiling",
  "ceiling-batch",
  "peer",
] as const;
export type WsServerName = (typeof WS_SERVERS)[number];
export const REST_SERVERS = ["roomcast", "roomcast-dev", "rest-pg"] as const;
export type RestServerName = (typeof REST_SERVERS)[number];
export type ServerName = WsServerName | RestServerName;

export const isRoomcast = (s: ServerName) => s.startsWith("roomcast");

/** The ceiling a line is held against: batching lines the batching `ws` server, the others the plain one. */
export const ceilingOf = (s: ServerName): "ceiling" | "ceiling-batch" =>
  s === "roomcast-1by1" ? "ceiling" : "ceiling-batch";

/** Whether the clients offered permessage-deflate, and how many connections negotiated it. */
export type Compression = { deflate: boolean; negotiated: number; connections: number };

export type FanoutRow = Compression & {
  server: WsServerName;
  receivers: number;
  msgsPerSec: Summary;
  deliveriesPerSec: Summary;
  latency: Latency & { offeredPerSec: number };
  integrity: string;
};

export type RoomsRow = Compression & {
  server: WsServerName;
  rooms: number;
  offeredPerSec: number;
  deliveriesPerSec: Summary;
  latency: Latency;
  integrity: string;
};

/** One message at a time into a quiet room: the next is sent once every receiver has the last. */
export type QuietRow = {
  server: WsServerName;
  receivers: number;
  messages: number;
  latency: Latency;
  integrity: string;
};

export type IdleRow = Compression & {
  server: WsServerName;
  sockets: number;
  kibPer1000: number;
  kibPer1000AfterIdle: number | null;
};

/** The inbox: N members' channels connected, one sender (bench/scenarios/inbox.ts). */
export type InboxRow = {
  members: number;
  messages: number;
  offeredPerSec: number;
  inbox: { one: Latency; every: Latency; deliveriesPerSec: number; headsPerMember: number };
  /** The sender's rate back to back: the room's cost per message, with and without the channels. */
  roomMsgsPerSec: { withChannels: number; without: number };
  fanout: { one: Latency; every: Latency; deliveriesPerSec: number };
  integrity: string;
};

/** `fresh`: a post, then the history page (10 clients each alternating): the page asked right after a change. */
export type RestOp = "health" | "login" | "room" | "history" | "post" | "fresh";

/** One request at a time on an otherwise idle server: the latency a user sees. */
export type RestLatencyRow = { server: RestServerName; op: RestOp; ms: Summary; requests: number };

/** 10 concurrent clients (autocannon); `rounds`: req/s of each round, the servers taking turns. */
export type RestThroughputRow = {
  server: RestServerName;
  op: RestOp;
  reqPerSec: Summary;
  rounds: number[];
  latency: { p50: number; p99: number; max: number };
  non2xx: number;
};

export type Machine = {
  cpus: number;
  cpuModel: string;
  memGiB: number;
  node: string;
  /** 1-minute load average at the start and the end of the run: other work on the machine shows here. */
  loadAverage?: { start: number; end: number };
};

export type Results = {
  startedAt: string;
  quick: boolean;
  machine: Machine;
  idle?: IdleRow[];
  quiet?: QuietRow[];
  /** The disk's fsync latency (bench/lib/disk.ts) before and after the quiet scenario: its floor. */
  quietFloor?: FsyncFloor[];
  fanout?: FanoutRow[];
  rooms?: RoomsRow[];
  inbox?: InboxRow[];
  rest?: { latency: RestLatencyRow[]; throughput: RestThroughputRow[] };
  failures: string[];
};

/** What every scenario returns: its rows, and the Roomcast anomalies that fail the run. */
export type Outcome<Row> = { rows: Row[]; failures: string[] };
