import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { issueAccessToken } from "../src/auth/tokens";
import type { Bindings } from "../src/env";
import { loadConfig } from "../src/env";
import { newRoom, newUser, type TestUser, unique, withTestDb } from "./helpers";
import { type ConnectOptions, connect, openSocket, type TestSocket } from "./socket";

const config = loadConfig(env as unknown as Bindings);
const v2 = (user: TestUser): ConnectOptions => ({
  protocols: ["roomcast.v2", `bearer.${user.token}`],
  useQueryToken: false,
});
/**
 * Every frame the room sent `s` before it read this ping has arrived: an event, not a sleep. Not
 * `{"type":"ping"}` byte for byte: the runtime answers that one itself, without the room
 * (`setWebSocketAutoResponse`, room/parts.ts), so its pong says nothing of what the room did.
 */
const settled = async (s: TestSocket) => {
  s.send('{"type": "ping"}');
  await s.next("pong");
};
/**
 * `n` users with live sessions, written straight to PostgreSQL: 80 signups would spend most of a
 * minute hashing passwords, and no test here logs in.
 */
async function manyUsers(n: number): Promise<TestUser[]> {
  const prefix = unique("p");
  const rows = await withTestDb(async (db) => {
    const res = await db.execute<{ id: number; username: string }>(sql`
      insert into users (username, email, password_hash)
      select ${prefix} || '_' || g, ${prefix} || '_' || g || '@example.test', 'unusable'
      from generate_series(1, ${n}::int) g returning id, username`);
    await db.execute(sql`
      insert into sessions (id, user_id, expires_at)
      select 'test-' || u.id, u.id, now() + interval '1 hour'
      from users u where u.username like ${`${prefix}_%`}`);
    return res.rows;
  });
  return Promise.all(
    rows.map(async (r) => {
      const claims = { userId: r.id, tokenVersion: 0, sessionId: `test-${r.id}` };
      const { access_token: token } = await issueAccessToken(config, claims);
      return { id: r.id, username: r.username, email: "", password: "", token };
    }),
  );
}

/** What a bystander received of presence frames: count and bytes of their JSON. */
const presenceOf = (s: TestSocket) => {
  const frames = s.frames.filter((f) => f.type === "presence");
  return { count: frames.length, bytes: frames.reduce((n, f) => n + JSON.stringify(f).length, 0) };
};

describe("presence in version 2: the list in ready, then who joined or left", () => {
  it("negotiates roomcast.v2 and sends deltas; v1 sockets still get the whole list", async () => {
    const [alice, bob, carol] = await Promise.all([newUser(), newUser(), newUser()]);
    const room = await newRoom(alice, { kind: "public" });
    const opened = await openSocket(room.id, alice.token, v2(alice));
    expect(opened.response.headers.get("sec-websocket-protocol")).toBe("roomcast.v2");
    const a = {
      socket: opened.socket as TestSocket,
      ready: await (opened.socket as TestSocket).next("ready"),
    };
    expect(a.ready.protocol).toBe(2);
    const c = await connect(room.id, carol.token, { protocols: ["roomcast.v1", `bearer.${carol.token}`] });
    expect(c.ready.protocol).toBe(1);
    const b = await connect(room.id, bob.token, v2(bob));
    const ids = (users: Array<{ id: number }> = []) => users.map((u) => u.id).sort((x, y) => x - y);
    expect(ids(b.ready.online)).toEqual(ids([alice, carol, bob]));

    const join = { type: "presence", event: "join", user: { id: bob.id, username: bob.username } };
    expect(await a.socket.next("presence")).toMatchObject({ event: "join", user: { id: carol.id } });
    expect(await a.socket.next("presence")).toEqual(join);
    // Version 1 keeps its promise: the list after the change.
    const old = await c.socket.next("presence");
    expect(ids(old.online)).toEqual(ids([alice, carol, bob]));
    b.socket.close();
    expect(await a.socket.next("presence")).toEqual({ ...join, event: "leave" });
    expect(ids((await c.socket.next("presence")).online)).toEqual(ids([alice, carol]));
  });

  it("a second tab, and a reconnect while another tab is open, send nothing to the others", async () => {
    const [alice, bob] = await Promise.all([newUser(), newUser()]);
    const room = await newRoom(alice);
    const a = (await connect(room.id, alice.token, v2(alice))).socket;
    const tab1 = (await connect(room.id, bob.token, v2(bob))).socket;
    await a.next("presence");
    const tab2 = (await connect(room.id, bob.token, v2(bob))).socket;
    tab1.close();
    const tab3 = (await connect(room.id, bob.token, v2(bob))).socket;
    tab2.close();
    // The room answered both closes (and announced whatever it would) before it answers this
    // ping, and Alice's frames keep their order: a presence frame would be here before the pong.
    await Promise.all([tab1.waitClosed(), tab2.waitClosed()]);
    await settled(a);
    expect(a.pending("presence")).toEqual([]);
    tab3.close();
    expect(await a.next("presence")).toMatchObject({ event: "leave", user: { id: bob.id } });
  });

  it("80 joins send a bystander O(80) presence bytes, not O(80²)", async () => {
    const owner = await newUser("owner");
    const room = await newRoom(owner, { kind: "public" });
    const bystander = (await connect(room.id, owner.token, v2(owner))).socket;
    const joiners = await manyUsers(79);
    for (let i = 0; i < joiners.length; i += 30) {
      await Promise.all(joiners.slice(i, i + 30).map((u) => connect(room.id, u.token, v2(u))));
    }
    const last = await connect(room.id, joiners[0]?.token ?? "", v2(joiners[0] as TestUser));
    expect(last.ready.online).toHaveLength(80);
    await bystander.take(79, "presence");
    const { count, bytes } = presenceOf(bystander);
    expect(count).toBe(79);
    // One frame is about 80 bytes; the whole list after each join would be over 150 KB in all.
    // (80, not more: enough to tell O(n) from O(n²), and well inside the timeout on a loaded box.)
    expect(bytes).toBeLessThan(79 * 120);
  }, 60_000);
});

describe("connects per user per room are budgeted", () => {
  it("40 reconnects in a burst cost a bystander a bounded number of bytes; the rest are refused 4429 with a retry hint", async () => {
    const [alice, mallory] = await Promise.all([newUser(), newUser("mallory")]);
    const room = await newRoom(alice, { kind: "public" });
    const bystander = (await connect(room.id, alice.token, v2(alice))).socket;
    const started = Date.now();
    let accepted = 0;
    const refusals: Array<{ code: number; reason: string; retry?: number }> = [];
    for (let i = 0; i < 40; i++) {
      const { socket, refusal } = await openSocket(room.id, mallory.token, v2(mallory));
      if (socket) {
        accepted++;
        socket.close();
        await socket.waitClosed();
      } else if (refusal) {
        const retry = refusal.frame?.type === "error" ? refusal.frame.retry_after_ms : undefined;
        refusals.push({ code: refusal.code, reason: refusal.reason, retry });
      }
    }
    const seconds = (Date.now() - started) / 1000;
    const budget = config.WS_CONNECT_BURST + Math.ceil((seconds * config.WS_CONNECTS_PER_MINUTE) / 60);
    expect(accepted).toBeLessThanOrEqual(budget);
    expect(refusals.length).toBe(40 - accepted);
    expect(refusals[0]).toMatchObject({ code: 4429, reason: "connect_rate_limited" });
    expect(refusals[0]?.retry).toBeGreaterThan(0);
    await settled(bystander);
    // Each accepted connect is one join and one leave of about 80 bytes each; nothing else.
    const { count, bytes } = presenceOf(bystander);
    expect(count).toBeLessThanOrEqual(2 * budget);
    expect(bytes).toBeLessThanOrEqual(2 * budget * 120);
    // The budget is mallory's in this room: alice connects a second tab freely.
    expect((await connect(room.id, alice.token, v2(alice))).ready.protocol).toBe(2);
  }, 60_000);
});
