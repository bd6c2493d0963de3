// The servers under test and what they stand on: one embedded PostgreSQL (a fresh database per
// server family), the bridge the Neon driver reaches it through, Roomcast twice — on plain workerd
// (the production-runtime line) and under `wrangler dev` — and the baselines.
import { randomBytes } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { startBridge } from "../../scripts/lib/bridge";
import { freePort, startCluster } from "../../scripts/lib/embedded-pg";
import { applyMigrations } from "../../scripts/lib/migrate";
import { readWorkerSettings } from "../../scripts/lib/workerd";
import { type InboxKit, inboxKit } from "./inbox-kit";
import { Processes, ROOT, rssKiB } from "./procs";
import { type RestServerName, WS_SERVERS, type WsServerName } from "./results";
import { type BenchUser, benchPasswordHash, roomcastApi, seedUsers, signTokens } from "./roomcast";
import { type Started, startBaseline, startRoomcastDev, startRoomcastWorkerd } from "./servers";
import { awaitStored, type Count } from "./stored";
import type { Endpoint } from "./targets";

/** A room on one server, and how client `i` of it connects. */
export type BenchRoom = { key: string; endpoint: (i: number) => Endpoint };

export type WsServer = {
  name: WsServerName;
  /** Resident memory (KiB) of the processes that hold this server's sockets. */
  memoryKiB: () => number;
  newRoom: () => Promise<BenchRoom>;
  /** Why PostgreSQL does not hold exactly messages 1..sent of the room (null: it does). */
  stored: (room: BenchRoom, sent: number) => Promise<string | null>;
};

export type RestServer = { name: RestServerName; base: string; token: string; roomId: number };

export type Stack = {
  procs: Processes;
  ws: WsServer[];
  rest: RestServer[];
  users: BenchUser[];
  /** The inbox scenario's users and rooms on the `roomcast` line (when it runs). */
  inbox: InboxKit | null;
  /** The process (group leader) of each started server, for the probes. */
  pids: Partial<Record<WsServerName | RestServerName, number>>;
  /** Roomcast's database (for the probes' counters). */
  roomcastDb: string;
  /** Cuts (true) or restores the Neon driver's way to PostgreSQL: an outage, for the probes. */
  setDatabaseDown: (down: boolean) => void;
  stop: () => Promise<void>;
};
export type { InboxKit };

const USERS = 50;
// The per-socket limits protect a production room from one client; the bench measures the room.
const BENCH_LIMITS = {
  WS_SENDS_PER_SECOND: "10000",
  WS_SEND_BURST: "100000",
  WS_MAX_SOCKETS_PER_USER: "1000",
  // 50 bench users hold up to 1,000 sockets of one room, opened within seconds.
  WS_CONNECT_BURST: "10000",
  WS_CONNECTS_PER_MINUTE: "600000",
  WS_MAX_SOCKETS_ACROSS_ROOMS: "100000",
  // The bench's raw clients read everything but do not echo sync markers (issue 18's flow control):
  // a long full-size run would otherwise spend a receiver's unsynced budget and see 4408.
  WS_UNSYNCED_MAX_CHARS: String(1024 * 1_048_576),
  // A few bench users open every room and socket, from one address.
  SIGNUPS_PER_ADDRESS_PER_HOUR: "1000000",
  ROOMS_CREATED_PER_USER_PER_HOUR: "1000000",
  DMS_OPENED_PER_USER_PER_HOUR: "1000000",
  // A room at full rate may hold several seconds of events before a copy lands.
  ROOM_BACKLOG_MAX_EVENTS: "1000000",
};
/** Messages each REST room holds before the REST scenario reads pages of 50 from it. */
const REST_HISTORY = 60;

/** Starts the servers named in `want` (and what they need); `stop()` ends every process it started. */
export async function startStack(
  want: Set<WsServerName | RestServerName>,
  /** More flags: `workerd serve`'s for the roomcast line, Node's per baseline (e.g. `--inspect`). */
  opts: { workerdArgs?: string[]; nodeFlags?: Partial<Record<"ceiling" | "peer", string[]>> } = {},
): Promise<Stack> {
  const procs = new Processes();
  const stamp = `${Date.now()}`;
  const cluster = await startCluster(".data/postgres-bench", await freePort());
  const dbs = {
    roomcast: `roomcast_bench_${stamp}`,
    peer: `peer_bench_${stamp}`,
    rest: `rest_bench_${stamp}`,
  };
  for (const db of Object.values(dbs)) await cluster.createDatabase(db);
  await applyMigrations(cluster.url(dbs.roomcast));
  await applyMigrations(cluster.url(dbs.rest));
  const bridge = await startBridge(`127.0.0.1:${cluster.port}`);
  const pools = {
    roomcast: new pg.Pool({ connectionString: cluster.url(dbs.roomcast), max: 2 }),
    peer: new pg.Pool({ connectionString: cluster.url(dbs.peer), max: 2 }),
    rest: new pg.Pool({ connectionString: cluster.url(dbs.rest), max: 2 }),
  };
  const stop = async () => {
    // The servers first: a courier still running when the bridge closed logged its run as
    // failed ("Connection terminated unexpectedly", "Network connection lost": issue 25).
    await procs.stopAll();
    await Promise.allSettled([...Object.values(pools).map((p) => p.end()), bridge.close()]);
    await new Promise((r) => setTimeout(r, 500));
    for (const db of Object.values(dbs)) await cluster.dropDatabase(db).catch(() => {});
    await cluster.stop().catch(() => {});
  };

  try {
    const secret = randomBytes(32).toString("hex");
    const hash = await benchPasswordHash();
    // Same users, same ids, in Roomcast's database and the REST baseline's.
    const users = await seedUsers(pools.roomcast, USERS, hash);
    await seedUsers(pools.rest, USERS, hash);
    const settings = readWorkerSettings(path.join(ROOT, "wrangler.toml"));
    const claims = {
      issuer: settings.vars.JWT_ISSUER ?? "roomcast",
      audience: settings.vars.JWT_AUDIENCE ?? "roomcast-api",
    };
    const tokens = await signTokens(pools.roomcast, secret, claims, users);
    const tokenFor = (i: number) => tokens[i % tokens.length] as string;
    const vars = {
      SECRET_KEY: secret,
      DATABASE_URL: cluster.url(dbs.roomcast),
      DB_WS_PROXY: `127.0.0.1:${bridge.port}`,
      ...BENCH_LIMITS,
    };
    const started = new Map<WsServerName | RestServerName, Started>();
    const start = async (name: WsServerName | RestServerName, server: () => Promise<Started>) => {
      // The 1by1 and typed-client lines' clients reach the roomcast workerd.
      const sameWorkerd = want.has("roomcast-1by1") || want.has("roomcast-client");
      const needed = want.has(name) || (name === "roomcast" && sameWorkerd);
      if (needed) started.set(name, await server());
    };
    await Promise.all([
      start("roomcast", () => startRoomcastWorkerd(procs, settings, vars, opts.workerdArgs)),
      start("roomcast-dev", () => startRoomcastDev(procs, vars)),
      start("ceiling", () => startBaseline(procs, "baselines/ws-ceiling.ts", [], opts.nodeFlags?.ceiling)),
      start("ceiling-batch", () => startBaseline(procs, "baselines/ws-batching.ts", [])),
      start("peer", () =>
        startBaseline(procs, "baselines/socketio-pg.ts", [cluster.url(dbs.peer)], opts.nodeFlags?.peer),
      ),
      start("rest-pg", () =>
        startBaseline(procs, "baselines/rest-pg.ts", [
          cluster.url(dbs.rest),
          secret,
          claims.issuer,
          claims.audience,
        ]),
      ),
    ]);

    let rooms = 0;
    const roomName = () => `bench-${++rooms}-${stamp}`;
    const portOf = (name: WsServerName | RestServerName) => started.get(name)?.port ?? 0;
    const pidOf = (name: WsServerName | RestServerName) => started.get(name)?.pid ?? 0;

    const roomcastServer = (
      name: "roomcast" | "roomcast-1by1" | "roomcast-client" | "roomcast-dev",
    ): WsServer => {
      // roomcast-1by1 and roomcast-client are the roomcast server; only their clients differ.
      const port = portOf(name === "roomcast-dev" ? name : "roomcast");
      const batch = name !== "roomcast-1by1";
      const kind = name === "roomcast-client" ? "roomcast-client" : "roomcast";
      const api = roomcastApi(`http://127.0.0.1:${port}`, tokenFor(0));
      return {
        name,
        // Plain workerd is one process; wrangler dev runs two workerds (proxy and runtime).
        memoryKiB: () =>
          name === "roomcast-dev" ? rssKiB(pidOf(name), "workerd") : rssKiB(pidOf("roomcast")),
        newRoom: async () => {
          const roomId = await api.createRoom(roomName());
          return {
            key: String(roomId),
            endpoint: (i): Endpoint =>
              kind === "roomcast-client"
                ? { kind, port, roomId, token: tokenFor(i) }
                : { kind, port, roomId, token: tokenFor(i), batch },
          };
        },
        stored: (room, sent) =>
          awaitStored(
            `${name} room ${room.key}`,
            async () =>
              (
                await pools.roomcast.query<Count>(
                  "select count(*) n, min(seq) lo, max(seq) hi, count(distinct seq) d from messages where room_id = $1",
                  [Number(room.key)],
                )
              ).rows[0],
            sent,
          ),
      };
    };
    const nodeServer = (name: "ceiling" | "ceiling-batch" | "peer"): WsServer => ({
      name,
      memoryKiB: () => rssKiB(pidOf(name)),
      newRoom: async () => {
        const room = roomName();
        return { key: room, endpoint: () => ({ kind: name, port: portOf(name), room }) };
      },
      stored: async (room, sent) =>
        name !== "peer"
          ? null // stores nothing, by design
          : awaitStored(
              `peer room ${room.key}`,
              async () =>
                (
                  await pools.peer.query<Count>(
                    "select count(*) n, 1 lo, count(*) hi, count(*) d from peer_messages where room = $1",
                    [room.key],
                  )
                ).rows[0],
              sent,
            ),
    });
    const ws = WS_SERVERS.filter((name) => want.has(name)).map((name) =>
      name === "ceiling" || name === "ceiling-batch" || name === "peer"
        ? nodeServer(name)
        : roomcastServer(name),
    );

    // One room with some history per REST server, owned by user 1 (whose token the scenario uses).
    const rest: RestServer[] = [];
    for (const name of ["roomcast", "roomcast-dev"] as const) {
      if (!want.has(name)) continue;
      const base = `http://127.0.0.1:${portOf(name)}`;
      const api = roomcastApi(base, tokenFor(0));
      const roomId = await api.createRoom(`bench-rest-${stamp}`);
      for (let i = 0; i < REST_HISTORY; i++) await api.post(roomId, `history ${i}`);
      rest.push({ name, base, token: tokenFor(0), roomId });
    }
    if (want.has("rest-pg")) {
      const owner = users[0]?.id;
      const { rows } = await pools.rest.query<{ id: number }>(
        "insert into rooms (name, owner_id) values ($1, $2) returning id",
        [`bench-rest-${stamp}`, owner],
      );
      const roomId = rows[0]?.id ?? 0;
      await pools.rest.query("insert into room_members (room_id, user_id, role) values ($1, $2, 'owner')", [
        roomId,
        owner,
      ]);
      await pools.rest.query(
        `insert into messages (id, room_id, seq, user_id, content)
         select 'bench-' || g, $1, g, $2, 'history ' || g from generate_series(1, $3) g`,
        [roomId, owner, REST_HISTORY],
      );
      rest.push({
        name: "rest-pg",
        base: `http://127.0.0.1:${portOf("rest-pg")}`,
        token: tokenFor(0),
        roomId,
      });
    }
    const inbox = want.has("roomcast")
      ? inboxKit(`http://127.0.0.1:${portOf("roomcast")}`, pools.roomcast, hash, (u) =>
          signTokens(pools.roomcast, secret, claims, u),
        )
      : null;
    const pids = Object.fromEntries([...started].map(([name, s]) => [name, s.pid]));
    const setDatabaseDown = bridge.setDown;
    return {
      procs,
      ws,
      rest,
      users,
      inbox,
      pids,
      roomcastDb: cluster.url(dbs.roomcast),
      setDatabaseDown,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
