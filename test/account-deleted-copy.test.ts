import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { uploaded } from "./files";
import { png } from "./fixtures/images";
import {
  api,
  eventually,
  type Message,
  newRoom,
  newUser,
  postAs,
  storedMessages,
  withTestDb,
} from "./helpers";

/** Holds the room's row `FOR UPDATE` until `release`: each batch of the copy locks it first. */
function holdRoomRow(roomId: number) {
  let release = () => {};
  const released = new Promise<void>((r) => {
    release = r;
  });
  let holding = () => {};
  const held = new Promise<void>((r) => {
    holding = r;
  });
  const done = withTestDb((db) =>
    db.transaction(async (tx) => {
      await tx.execute(sql`select 1 from rooms where id = ${roomId} for update`);
      holding();
      await released;
    }),
  );
  return {
    held,
    release: () => {
      release();
      return done;
    },
  };
}

/** Some session waits for a lock on a row of `rooms` (the copy, at its first statement). */
const copyWaits = async () => {
  const waiting = await withTestDb((db) =>
    db.execute<{ n: number }>(sql`select count(*)::int as n from pg_stat_activity
      where wait_event_type = 'Lock' and query ilike '%from "rooms"%key share%'`),
  );
  expect(waiting.rows[0]?.n ?? 0).toBeGreaterThan(0);
};

/**
 * An account deleted while the room's copy of its message is under way: the copy read its batch
 * before the room heard of the deletion (the files went with the account), and inserts it after.
 * The row must land as the room now has it: authored by nobody, without the files.
 */
describe("an account deleted during the copy of its message", () => {
  it("copies the message without its files", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const room = await newRoom(alice, { kind: "private" });
    await api("POST", `/room/${room.id}/members`, { token: alice.token, json: { user_id: bob.id } });
    // A copy now: the next one waits a second (the busy interval), time to take the row first.
    await postAs(alice, room.id, "first");
    await eventually(async () => expect(await storedMessages(room.id)).toHaveLength(1), 10_000);
    let sent: Message | undefined;
    for (let attempt = 1; !sent; attempt++) {
      const file = await uploaded(bob, await png(2, 2));
      const res = await api<Message>("POST", `/message/rooms/${room.id}/messages`, {
        token: bob.token,
        json: { content: "bye", attachments: [file.id] },
      });
      expect(res.status).toBe(201);
      const row = holdRoomRow(room.id);
      await row.held;
      try {
        // A loaded machine may have copied it already (its copy then paces the next): again.
        if ((await storedMessages(room.id)).some((m) => m.id === res.body.id)) {
          expect(attempt).toBeLessThan(5);
          continue;
        }
        await eventually(copyWaits);
        expect((await api("DELETE", `/user/${bob.id}`, { token: bob.token })).status).toBe(204);
        sent = res.body;
      } finally {
        await row.release();
      }
    }
    const id = sent.id;
    const copied = await eventually(async () => {
      const r = (await storedMessages(room.id)).find((m) => m.id === id);
      expect(r).toBeDefined();
      return r;
    });
    expect(copied).toMatchObject({ content: "bye", userId: null });
    expect((copied?.data as { attachments?: unknown } | null)?.attachments).toBeUndefined();
  });
});

/** While it lives, an insert into `messages` of a row with `content` waits `seconds` first. */
async function slowInsertsOf(content: string, seconds: number) {
  const fn = `test_slow_${Math.random().toString(36).slice(2, 10)}`;
  await withTestDb(async (db) => {
    await db.execute(
      sql.raw(`create function ${fn}() returns trigger language plpgsql as $$
        begin if new.content = '${content}' then perform pg_sleep(${seconds}); end if; return new; end $$`),
    );
    await db.execute(
      sql.raw(`create trigger ${fn} before insert on messages for each row execute function ${fn}()`),
    );
  });
  return () =>
    withTestDb(async (db) => {
      await db.execute(sql.raw(`drop trigger if exists ${fn} on messages`));
      await db.execute(sql.raw(`drop function if exists ${fn}()`));
    });
}

/**
 * The other order: the copy has locked the author's row and is inserting when the account is
 * deleted. The deletion must wait for it and strip the files from the row it inserted
 * (domain/users.ts locks the account's row first), not strip only the rows it saw before.
 */
describe("an account deleted while the copy of its message is inserting", () => {
  it("strips the files from the row the copy inserted", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const room = await newRoom(alice, { kind: "private" });
    await api("POST", `/room/${room.id}/members`, { token: alice.token, json: { user_id: bob.id } });
    const content = `slow bye ${bob.id}`;
    const restore = await slowInsertsOf(content, 2);
    try {
      const file = await uploaded(bob, await png(2, 2));
      const res = await api<Message>("POST", `/message/rooms/${room.id}/messages`, {
        token: bob.token,
        json: { content, attachments: [file.id] },
      });
      expect(res.status).toBe(201);
      // The copy's statement is inside the insert's wait: it holds Bob's row (`key share`).
      await eventually(async () => {
        const r = await withTestDb((db) =>
          db.execute<{ n: number }>(sql`select count(*)::int as n from pg_stat_activity
            where wait_event = 'PgSleep' and query ilike '%jsonb_to_recordset%'`),
        );
        expect(r.rows[0]?.n ?? 0).toBeGreaterThan(0);
      }, 10_000);
      expect((await api("DELETE", `/user/${bob.id}`, { token: bob.token })).status).toBe(204);
      const copied = (await storedMessages(room.id)).find((m) => m.id === res.body.id);
      expect(copied).toMatchObject({ content, userId: null });
      expect((copied?.data as { attachments?: unknown } | null)?.attachments).toBeUndefined();
    } finally {
      await restore();
    }
  });
});
