import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";

import { hook, recordingNotices } from "./courier";
import { awayUser, pushesSettled } from "./fakes";
import { api, eventually, newRoom, newUser, postAs, type TestUser, withTestDb } from "./helpers";

/** The room tells its courier at most once a second during a copy (room/outbox/courier-notice.ts). */
const NOTICE_INTERVAL_MS = 1000;

/**
 * A room busy without a pause copies its events in one long copy (`Outbox.drain` loops while new
 * events arrive, in one PostgreSQL session). Its courier must hear of what is copied as the copy
 * goes, not at its end: a push or a webhook delivery for someone away waits about a second of
 * notice, however long the burst.
 */
const BURST_MAX_MS = 12_000;
/** How long each of the tests' transactions holds the room's row (see `slowCopies`). */
const HOLD_S = 0.2;

/**
 * Each batch of the room's copy first locks the room's row (`FOR KEY SHARE`, copy-statements.ts).
 * Two sessions of the test's take turns holding it `FOR UPDATE`, so that one of them always holds
 * it or waits for it ahead of the copy: every batch waits ≈ 200 ms, as on a loaded PostgreSQL,
 * events always arrive meanwhile, and the copy never ends while the senders send (on this
 * machine's idle PostgreSQL a batch takes a few ms, and a copy ends whenever one finds nothing
 * new). Resolves `held` once the row is first held, `done` when `busy()` turned false.
 */
function slowCopies(roomId: number, busy: () => boolean) {
  let first = () => {};
  const held = new Promise<void>((r) => {
    first = r;
  });
  const session = () =>
    withTestDb(async (db) => {
      while (busy())
        await db.transaction(async (tx) => {
          await tx.execute(sql`select 1 from rooms where id = ${roomId} for update`);
          first();
          await tx.execute(sql`select pg_sleep(${HOLD_S})`);
        });
    });
  return { held, done: Promise.all([session(), session()]) };
}

/** Posts as `who` about every 100 ms (under the 10 per second limit) while `busy()`. */
async function sendLoop(who: TestUser, roomId: number, busy: () => boolean, seqs: number[]) {
  for (let i = 0; busy(); i++) {
    const res = await postAs(who, roomId, `${who.username} ${i}`);
    expect(res.status).toBe(201);
    seqs.push(res.body.seq);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("a room busy without a pause", () => {
  it("pushes and delivers webhooks while its copy goes on, telling its courier at most once a second", async () => {
    const alice = await newUser("alice");
    const carol = await newUser("carol");
    const bob = await awayUser("bob");
    const room = await newRoom(alice);
    for (const u of [carol, bob.user]) await api("POST", `/room/${room.id}/members/join`, { token: u.token });
    const receiver = await hook(alice, room.id);
    const seqs: number[] = [];
    let busy = true;
    const during = () => busy;
    const mention = await recordingNotices(room.id, async (notices) => {
      const locks = slowCopies(room.id, during);
      await locks.held;
      const first = (await postAs(alice, room.id, `@${bob.user.username} are you there?`)).body;
      seqs.push(first.seq);
      const senders = [sendLoop(alice, room.id, during, seqs), sendLoop(carol, room.id, during, seqs)];
      try {
        // The first push and the first deliveries arrive while the room is still busy.
        await eventually(async () => {
          expect((await bob.device.state()).received).toHaveLength(1);
          expect((await receiver.state()).accepted.length).toBeGreaterThan(0);
        }, BURST_MAX_MS);
        // The copy is still running (nothing ended it): so far its courier heard only from inside it.
        expect(notices.length).toBeGreaterThan(1);
        for (const [i, n] of notices.entries()) {
          const last = notices[i - 1];
          if (!last) continue;
          expect(n.fromSeq).toBe(last.headSeq + 1);
          expect(n.at - last.at).toBeGreaterThanOrEqual(NOTICE_INTERVAL_MS - 100);
        }
      } finally {
        busy = false;
        await Promise.all([locks.done, ...senders]);
      }
      return first;
    });
    // Every event once, in order; the one mention pushed once.
    const state = await eventually(async () => {
      const s = await receiver.state();
      expect(s.accepted.map((a) => a.seq)).toEqual(seqs.sort((a, b) => a - b));
      return s;
    }, 15_000);
    expect(state).toMatchObject({ outOfOrder: 0, duplicates: 0, badSignatures: 0 });
    // Every push the burst could cause for Bob is decided and sent (or dropped): none is on its way.
    await pushesSettled(room.id, Math.max(...seqs), [bob.user.id]);
    const pushed = (await bob.device.state()).received.map((r) => r.payload.seq);
    expect(pushed).toEqual([mention.seq]);
  });
});
