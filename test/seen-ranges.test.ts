import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { MAX_RANGES, type Seen, SeenTable } from "../src/courier/seen";
import { courierStub } from "../src/courier/stub";
import type { Bindings } from "../src/env";
import { holdCopies, holdCourier, hook, leaves, recordingNotices } from "./courier";
import { awayUser, pushesSettled } from "./fakes";
import { api, eventually, newRoom, newUser, postAs, type TestUser, withTestDb } from "./helpers";
import { connect, type TestSocket } from "./socket";

describe("a member's range the courier has not decided yet", () => {
  it("is not replaced by a later range of theirs that does not meet it (they saw the mention live)", async () => {
    const alice = await newUser("alice");
    const bob = await awayUser("bob");
    const room = await newRoom(alice);
    await api("POST", `/room/${room.id}/members/join`, { token: bob.user.token });
    const watcher = (await connect(room.id, alice.token)).socket;
    let live = (await connect(room.id, bob.user.token)).socket;
    await watcher.next("presence");
    await hook(alice, room.id); // an endpoint: every notice waits for a run (courier/quiet.ts)
    const releaseCourier = await holdCourier(room.id);
    const last = await recordingNotices(room.id, async (notices) => {
      const told = (seq: number) =>
        eventually(async () => expect(notices.some((n) => n.headSeq >= seq)).toBe(true));
      try {
        // Bob is connected when this mention is sent and when its notice comes: he saw it live.
        const mention = (await postAs(alice, room.id, `@${bob.user.username} you there?`)).body.seq;
        expect(await live.next("message")).toMatchObject({ seq: mention });
        await told(mention);
        await leaves(live, watcher, bob.user);
        // Bob is away for this one (it mentions nobody: no push either way).
        const away = (await postAs(alice, room.id, "while Bob is away")).body.seq;
        await told(away);
        // Bob comes back (no resume), is sent one more, and leaves before its copy's notice.
        live = (await connect(room.id, bob.user.token)).socket;
        expect(await watcher.next("presence")).toMatchObject({ event: "join" });
        const releaseCopies = await holdCopies(room.id);
        let back: number;
        try {
          back = (await postAs(alice, room.id, "welcome back")).body.seq;
          expect(await live.next("message")).toMatchObject({ seq: back });
          await leaves(live, watcher, bob.user);
        } finally {
          await releaseCopies();
        }
        await told(back);
        return back;
      } finally {
        releaseCourier();
      }
    });
    await pushesSettled(room.id, last, [bob.user.id]);
    // Bob read the mention live: he must not be pushed for it.
    expect((await bob.device.state()).received.map((r) => r.payload.seq)).toEqual([]);
    watcher.close();
  }, 40_000);
});

describe("the seen ranges' table", () => {
  const inTable = (roomId: number, use: (sql: SqlStorage) => void) =>
    runInDurableObject(courierStub(env as unknown as Bindings, roomId), async (_, state) =>
      use(state.storage.sql),
    );

  it("merges what meets, keeps apart what does not, and forgets the oldest beyond MAX_RANGES", async () => {
    await inTable(990_001, (sql) => {
      const t = new SeenTable(sql);
      t.add([
        [7, 1, 2],
        [7, 5, 6],
        [8, 1, 9],
      ]);
      t.add([[7, 3, 4]]); // touches both: one range
      expect(t.since(0)).toEqual([
        [7, 1, 6],
        [8, 1, 9],
      ]);
      const visits = Array.from({ length: MAX_RANGES + 2 }, (_, i): Seen => [7, 10 + 3 * i, 11 + 3 * i]);
      t.add(visits);
      const mine = t.since(0).filter(([u]) => u === 7);
      expect(mine).toEqual(visits.slice(-MAX_RANGES));
      expect(t.ranges().get(8)).toEqual([{ from: 1, to: 9 }]);
      t.doneThrough(20);
      expect(t.since(0).filter(([u]) => u === 7)[0]).toEqual([7, 22, 23]);
    });
  });

  it("takes over the one-row-per-member table it replaced", async () => {
    await inTable(990_002, (sql) => {
      sql.exec("DROP TABLE IF EXISTS seen_ranges");
      sql.exec(
        "CREATE TABLE seen_live (user_id INTEGER PRIMARY KEY, from_seq INTEGER NOT NULL, to_seq INTEGER NOT NULL)",
      );
      sql.exec("INSERT INTO seen_live VALUES (3, 4, 9)");
      const t = new SeenTable(sql);
      expect(t.since(0)).toEqual([[3, 4, 9]]);
      expect(sql.exec("SELECT name FROM sqlite_master WHERE name = 'seen_live'").toArray()).toEqual([]);
    });
  });
});
