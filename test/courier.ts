import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { courierStub } from "../src/courier/stub";
import type { Bindings } from "../src/env";
import { newReceiver } from "./fakes";
import { api, type TestUser } from "./helpers";

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
