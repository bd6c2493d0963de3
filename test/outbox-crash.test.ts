import { abortAllDurableObjects, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Bindings } from "../src/env";
import { roomStub } from "../src/room";
import { eventually, newRoom, newUser, storedMessages } from "./helpers";
import { connect, seqs } from "./socket";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bindings = env as unknown as Bindings;

const kills = {
  // Every object torn down at once, in-memory state gone, no handler runs.
  aborted: () => abortAllDurableObjects(),
  // Graceful: the instance goes, its sockets hibernate; nothing wakes the room but its alarm.
  evicted: (roomId: number) => evictDurableObject(roomStub(bindings, roomId)),
};

/**
 * A room that copies every second leaves its alarm at the next copy's earliest time, and the
 * events until then write no alarm of their own (outbox/schedule.ts). Killed after such events
 * are committed and before their copy, the room must still copy every one of them, exactly once
 * and in order, woken by nothing but that alarm.
 */
describe("a busy room killed between an event's commit and its copy", () => {
  it.each(Object.keys(kills) as Array<keyof typeof kills>)(
    "copies every event exactly once when %s",
    async (kill) => {
      const alice = await newUser();
      const room = await newRoom(alice);
      const { socket } = await connect(room.id, alice.token);
      const sent: string[] = [];
      const send = async (i: number) => {
        sent.push(`busy ${i}`);
        socket.send({ type: "message.send", content: `busy ${i}`, client_id: `b${i}` });
        await socket.next("ack");
      };
      // Ten a second for 2.4 s: the second and later copies are paced by the busy interval.
      for (let i = 1; i <= 24; i++) {
        await send(i);
        await sleep(100);
      }
      // Just after a copy, the next is a second away: the last event waits for it.
      await eventually(async () => expect(await storedMessages(room.id)).toHaveLength(24));
      await send(25);
      const stub = roomStub(bindings, room.id);
      const alarm = await runInDurableObject(stub, (_r, state) => state.storage.getAlarm());
      // Pending: the next copy's earliest time, not the 60-s backstop.
      expect(alarm).not.toBeNull();
      expect((alarm ?? 0) - Date.now()).toBeLessThan(1500);
      await kills[kill](room.id);
      const before = (await storedMessages(room.id)).length;
      const rows = await eventually(async () => {
        const r = await storedMessages(room.id);
        expect(r).toHaveLength(25);
        return r;
      });
      // The kill came before the last event's copy: it was copied by the alarm alone.
      expect(before).toBe(24);
      expect(seqs(rows)).toEqual(sent.map((_, i) => i + 1));
      expect(rows.map((r) => r.content)).toEqual(sent);
      expect(new Set(rows.map((r) => r.id)).size).toBe(25);
    },
    20_000,
  );
});
