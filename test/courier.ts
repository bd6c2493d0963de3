import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { expect } from "vitest";
import { courierStub } from "../src/courier/stub";
import type { Bindings } from "../src/env";
import { newReceiver } from "./fakes";
import { api, type TestUser, withTestDb } from "./helpers";
import type { TestSocket } from "./socket";

/** One notice of a room to its courier, as the courier received it (`at`: its clock then). */
export type Notice = { fromSeq: number; headSeq: number; away: number[] | undefined; at: number };

/** Records the room's notices to its courier (the class's method, while `use` runs). */
export async function recordingNotices<T>(
  roomId: number,
  use: (notices: Notice[]) => Promise<T>,
): Promise<T> {
  const notices: Notice[] = [];
  let undo = () => {};
  await runInDurableObject(courierStub(env as unknown as Bindings, roomId), async (courier) => {
    const proto = Object.getPrototypeOf(courier) as typeof courier;
    const original = proto.sequenced;
    proto.sequenced = function (this: typeof courier, ...args: Parameters<typeof original>) {
      if (args[0] === roomId)
        notices.push({ fromSeq: args[1], headSeq: args[2], away: args[4]?.users, at: Date.now() });
      return original.apply(this, args);
    };
    undo = () => {
      proto.sequenced = original;
    };
  });
  try {
    return await use(notices);
  } finally {
    undo();
  }
}

/**
 * Makes the room's notices to its courier fail (`throw`: the call fails, as when the courier is
 * overloaded) or vanish (`drop`: the room sees it answered, the courier never had it, as when the
 * room's object died between a copy's commit and its call), until `undo`.
 */
export async function losingNotices(roomId: number, how: "throw" | "drop") {
  let lost = 0;
  let undo = () => {};
  await runInDurableObject(courierStub(env as unknown as Bindings, roomId), async (courier) => {
    const proto = Object.getPrototypeOf(courier) as typeof courier;
    const original = proto.sequenced;
    proto.sequenced = async function (this: typeof courier, ...args: Parameters<typeof original>) {
      if (args[0] !== roomId) return original.apply(this, args);
      lost++;
      if (how === "throw") throw new Error("test: courier notice lost");
    };
    undo = () => {
      proto.sequenced = original;
    };
  });
  return { lost: () => lost, undo: () => undo() };
}

/** A webhook endpoint of `roomId` at a new loopback receiver that knows its secret. */
export async function hook(owner: TestUser, roomId: number) {
  const receiver = await newReceiver();
  const res = await api<{ secret: string }>("POST", `/room/${roomId}/webhooks`, {
    token: owner.token,
    json: { url: receiver.url },
  });
  expect(res.status).toBe(201);
  await receiver.setSecret(res.body.secret);
  return receiver;
}

/**
 * Holds the room's copy to PostgreSQL (each batch first locks the room's row `FOR KEY SHARE`,
 * outbox/copy-statements.ts) until `release`: the room's notice to its courier, which follows the
 * copy, waits for it. Resolves once the row is held.
 */
export async function holdCopies(roomId: number) {
  let release = () => {};
  const released = new Promise<void>((r) => {
    release = r;
  });
  let held = () => {};
  const holding = new Promise<void>((r) => {
    held = r;
  });
  const done = withTestDb((db) =>
    db.transaction(async (tx) => {
      await tx.execute(sql`select 1 from rooms where id = ${roomId} for update`);
      held();
      await released;
    }),
  );
  await holding;
  return async () => {
    release();
    await done;
  };
}

/**
 * Holds the room's courier's runs (its alarm waits) until `release`: notices still arrive and are
 * recorded, the decisions wait.
 */
export async function holdCourier(roomId: number) {
  const gate = { held: true };
  let undo = () => {};
  await runInDurableObject(courierStub(env as unknown as Bindings, roomId), async (courier) => {
    const proto = Object.getPrototypeOf(courier) as typeof courier;
    const original = proto.alarm;
    proto.alarm = async function (this: typeof courier) {
      while (gate.held) await new Promise((r) => setTimeout(r, 20));
      return original.apply(this);
    };
    undo = () => {
      proto.alarm = original;
    };
  });
  return () => {
    gate.held = false;
    undo();
  };
}

/** Bob's socket closes and the room has seen it go (Alice's socket hears him leave). */
export async function leaves(live: TestSocket, watcher: TestSocket, bob: TestUser, code = 1000) {
  live.close(code);
  expect(await watcher.next("presence")).toMatchObject({ event: "leave", user: { id: bob.id } });
}
