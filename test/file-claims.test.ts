import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { ulid } from "ulidx";
import { describe, expect, it } from "vitest";
import { CLAIM_GIVE_UP_SECONDS } from "../src/files/claims";
import { fileSweeper } from "../src/files/sweeper";
import { ageUpload, download, expectNoOrphans, uploaded, uploadIds } from "./files";
import { png } from "./fixtures/images";
import {
  api,
  eventually,
  expectError,
  type Message,
  newRoom,
  newUser,
  storedMessages,
  type TestUser,
  withTestDb,
} from "./helpers";

const TTL = 3600; // FILES_UNATTACHED_TTL_SECONDS' default

type Claim = { message_id: string | null; room_id: number | null; confirmed_at: string | null };

const claimOf = (id: string) =>
  withTestDb(async (db) => {
    const r = await db.execute(sql`select message_id, room_id, confirmed_at from uploads where id = ${id}`);
    return (r as unknown as { rows: Claim[] }).rows[0];
  });

/**
 * What the room does first when it sequences a send with files (room/writes/file-claims.ts): the
 * upload claimed for the message's id, `secondsAgo` ago. Nothing follows: the room stopped before
 * it appended the message, so no message with that id exists anywhere.
 */
const claimWithoutAppend = (uploadId: string, roomId: number, secondsAgo: number) =>
  withTestDb((db) =>
    db.execute(sql`update uploads set room_id = ${roomId}, message_id = ${ulid()},
      attached_at = now() - make_interval(secs => ${secondsAgo}) where id = ${uploadId}`),
  );

const post = (user: TestUser, roomId: number, body: Record<string, unknown>) =>
  api<Message>("POST", `/message/rooms/${roomId}/messages`, { token: user.token, json: body });

/** Posts and waits until the room's copy has put the message in PostgreSQL. */
async function postStored(user: TestUser, roomId: number, body: Record<string, unknown>) {
  const res = await post(user, roomId, body);
  expect(res.status).toBe(201);
  await eventually(async () =>
    expect((await storedMessages(roomId)).map((m) => m.id)).toContain(res.body.id),
  );
  return res.body;
}

const sweep = async () => expect(await runDurableObjectAlarm(fileSweeper(env))).toBe(true);

describe("claims whose message never arrived", () => {
  it("are released once the room's copy is past them, and then swept: no upload held by a message that does not exist", async () => {
    const alice = await newUser("alice");
    const room = await newRoom(alice);
    const up = await uploaded(alice, await png(5, 5), { name: "lost.png" });
    await claimWithoutAppend(up.id, room.id, 120);
    // Held by a message nobody can see: not alice's to delete, and it counts against her quota.
    expectError(await api("DELETE", `/files/${up.id}`, { token: alice.token }), 409, "file_attached");

    // Nothing proves yet that the message will not come (the room has copied nothing since).
    await sweep();
    expect(await claimOf(up.id)).toMatchObject({ room_id: room.id, confirmed_at: null });

    // A later message is in PostgreSQL: the copy runs in seq order, so the claimed one never was.
    await postStored(alice, room.id, { content: "later" });
    await ageUpload(up.id, TTL + 1);
    await sweep();
    expect(await uploadIds()).not.toContain(up.id);
    expect((await download(alice, up.id)).status).toBe(404);
    await expectNoOrphans();
  });

  it("are released after CLAIM_GIVE_UP_SECONDS in a room that stayed quiet, and the upload is its uploader's again", async () => {
    const bob = await newUser("bob");
    const room = await newRoom(bob);
    const up = await uploaded(bob, await png(3, 3));
    await claimWithoutAppend(up.id, room.id, CLAIM_GIVE_UP_SECONDS + 60);
    await sweep();
    expect(await claimOf(up.id)).toEqual({ message_id: null, room_id: null, confirmed_at: null });
    // Not past its TTL yet: pending again, so bob may attach or delete it.
    expect((await api("DELETE", `/files/${up.id}`, { token: bob.token })).status).toBe(204);
    await expectNoOrphans();
  });

  it("leave a delivered message's files alone: its claim is confirmed, however old, and stays downloadable", async () => {
    const carol = await newUser("carol");
    const room = await newRoom(carol);
    const up = await uploaded(carol, await png(4, 2), { name: "kept.png" });
    const sent = await postStored(carol, room.id, { content: "a picture", attachments: [up.id] });
    await withTestDb((db) =>
      db.execute(sql`update uploads set attached_at = now() - interval '2 days' where id = ${up.id}`),
    );
    await postStored(carol, room.id, { content: "later" });
    await sweep();
    const claim = await claimOf(up.id);
    expect(claim).toMatchObject({ message_id: sent.id, room_id: room.id });
    expect(claim?.confirmed_at).not.toBeNull();
    expect((await download(carol, up.id)).status).toBe(200);
    await expectNoOrphans();
  });
});
