import { describe, expect, it } from "vitest";
import { expectLogs } from "./expected-logs";
import { newReceiver } from "./fakes";
import { api, eventually, expectError, newRoom, newUser, type TestUser } from "./helpers";

type Hook = {
  id: string;
  secret: string;
  state: string;
  disabled_reason: string | null;
  delivered_seq: number | null;
};
type Sent = { id: string; seq: number };

async function hookedRoom(owner: TestUser) {
  const room = await newRoom(owner);
  const receiver = await newReceiver();
  const res = await api<Hook>("POST", `/room/${room.id}/webhooks`, {
    token: owner.token,
    json: { url: receiver.url },
  });
  expect(res.status).toBe(201);
  await receiver.setSecret(res.body.secret);
  return { room, receiver, hook: res.body };
}

const send = async (owner: TestUser, roomId: number, content: string, clientId?: string) =>
  api<Sent>("POST", `/message/rooms/${roomId}/messages`, {
    token: owner.token,
    json: { content, ...(clientId && { client_id: clientId }) },
  });

describe("webhooks", () => {
  it("only room admins (and global admins) manage them; the secret is shown once", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const { room, hook } = await hookedRoom(alice);
    expect(hook.secret).toMatch(/^whsec_/);
    await api("POST", `/room/${room.id}/members/join`, { token: bob.token });
    const receiver = await newReceiver();
    const refused = await api("POST", `/room/${room.id}/webhooks`, {
      token: bob.token,
      json: { url: receiver.url },
    });
    expectError(refused, 403, "forbidden");
    expectError(await api("GET", `/room/${room.id}/webhooks`, { token: bob.token }), 403, "forbidden");
    const listed = await api<Hook[]>("GET", `/room/${room.id}/webhooks`, { token: alice.token });
    expect(listed.body).toEqual([expect.objectContaining({ id: hook.id, state: "active" })]);
    expect(JSON.stringify(listed.body)).not.toContain(hook.secret);
    const bad = await api("POST", `/room/${room.id}/webhooks`, {
      token: alice.token,
      json: { url: "http://example.com/x" },
    });
    expectError(bad, 422, "validation_error");
    expect((await api("DELETE", `/room/${room.id}/webhooks/${hook.id}`, { token: alice.token })).status).toBe(
      204,
    );
    const left = await api<Hook[]>("GET", `/room/${room.id}/webhooks`, { token: alice.token });
    expect(left.body.map((h) => h.id)).not.toContain(hook.id);
  });

  it("delivers every event signed, in seq order, exactly once by webhook-id, through failures", async () => {
    const alice = await newUser("alice");
    const { room, receiver } = await hookedRoom(alice);
    await receiver.fail(500, 503, 429);
    const sent: Sent[] = [];
    for (let i = 1; i <= 5; i++) sent.push((await send(alice, room.id, `m${i}`)).body);
    const state = await eventually(async () => {
      const s = await receiver.state();
      expect(s.accepted).toHaveLength(5);
      return s;
    }, 15_000);
    expect(state.accepted.map((a) => a.seq)).toEqual(sent.map((m) => m.seq));
    expect(state.accepted.map((a) => a.type)).toEqual(Array(5).fill("message.created"));
    expect(state.accepted.map((a) => a.data.content)).toEqual(["m1", "m2", "m3", "m4", "m5"]);
    expect(state.accepted[0]?.id).toBe(`evt_${room.id}_${sent[0]?.seq}`);
    expect(state).toMatchObject({ outOfOrder: 0, duplicates: 0, badSignatures: 0, bodyMismatches: 0 });
    // Three failures, each retried with the same id and bytes before anything after it was sent.
    expect(state.attempts).toBe(8);
  });

  it("replays from a seq with the same ids, and a bot answering with client_id = webhook-id posts once", async () => {
    const alice = await newUser("alice");
    const { room, receiver, hook } = await hookedRoom(alice);
    const first = (await send(alice, room.id, "one")).body;
    await send(alice, room.id, "two");
    await eventually(async () => expect((await receiver.state()).accepted).toHaveLength(2), 10_000);
    const replay = await api<Hook>("POST", `/room/${room.id}/webhooks/${hook.id}/replay`, {
      token: alice.token,
      json: { from_seq: first.seq },
    });
    expect(replay.status).toBe(202);
    const state = await eventually(async () => {
      const s = await receiver.state();
      expect(s.duplicates).toBe(2);
      return s;
    }, 10_000);
    expect(state.accepted).toHaveLength(2);
    // The consumer's answer, retried: the delivery id as client_id makes it one message.
    const id = state.accepted[0]?.id ?? "";
    const a = await send(alice, room.id, "answer", id);
    const b = await send(alice, room.id, "answer", id);
    expect([a.status, b.status]).toEqual([201, 200]);
    expect(b.body.id).toBe(a.body.id);
  });

  it("disables an endpoint after long failure, visibly, until a replay", async () => {
    expectLogs(/^webhooks: endpoint \S+ of room \d+ disabled/);
    const alice = await newUser("alice");
    const { room, receiver, hook } = await hookedRoom(alice);
    await receiver.fail(...Array(40).fill(500));
    const msg = (await send(alice, room.id, "lost?")).body;
    const disabled = await eventually(async () => {
      const [h] = (await api<Hook[]>("GET", `/room/${room.id}/webhooks`, { token: alice.token })).body;
      expect(h?.state).toBe("disabled");
      return h;
    }, 15_000);
    expect(disabled?.disabled_reason).toMatch(/failing since .*HTTP 500/);
    const attempts = (await receiver.state()).attempts;
    await send(alice, room.id, "while disabled");
    await new Promise((r) => setTimeout(r, 1500));
    expect((await receiver.state()).attempts).toBe(attempts);
    // Replay resumes from the first undelivered seq once the consumer is fixed.
    await receiver.recover();
    const replay = await api<Hook>("POST", `/room/${room.id}/webhooks/${hook.id}/replay`, {
      token: alice.token,
      json: { from_seq: msg.seq },
    });
    expect(replay.body.state).toBe("active");
    await eventually(async () => {
      const s = await receiver.state();
      expect(s.accepted.map((x) => x.data.content)).toEqual(["lost?", "while disabled"]);
    }, 10_000);
  });
});
