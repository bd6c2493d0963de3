import { describe, expect, it } from "vitest";
import { api, type DirectSummary, expectError, type Member, newUser, type Room } from "./helpers";
import { connect } from "./socket";

describe("direct messages", () => {
  it("returns the one conversation between two users, from either side", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const first = await api<Room>("POST", `/dm/${bob.id}`, { token: alice.token });
    expect(first.status).toBe(201);
    expect(first.body.kind).toBe("direct");
    const again = await api<Room>("POST", `/dm/${bob.id}`, { token: alice.token });
    const fromBob = await api<Room>("POST", `/dm/${alice.id}`, { token: bob.token });
    expect([again.status, again.body.id, fromBob.body.id]).toEqual([200, first.body.id, first.body.id]);
    const members = await api<Member[]>("GET", `/room/${first.body.id}/members`, { token: bob.token });
    expect(members.body.map((m) => m.user_id).sort()).toEqual([alice.id, bob.id].sort());
  });

  it("creates exactly one conversation under simultaneous calls", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const calls = await Promise.all([
      ...Array.from({ length: 4 }, () => api<Room>("POST", `/dm/${bob.id}`, { token: alice.token })),
      ...Array.from({ length: 4 }, () => api<Room>("POST", `/dm/${alice.id}`, { token: bob.token })),
    ]);
    expect(new Set(calls.map((c) => c.body.id)).size).toBe(1);
    expect(calls.filter((c) => c.status === 201)).toHaveLength(1);
  });

  it("refuses a conversation with yourself or a missing user", async () => {
    const alice = await newUser();
    expectError(await api("POST", `/dm/${alice.id}`, { token: alice.token }), 422, "cannot_dm_self");
    expectError(await api("POST", "/dm/99999999", { token: alice.token }), 404, "not_found");
  });

  it("is private: others get 404; nobody can join, be added, rename it or change roles", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const eve = await newUser();
    const dm = (await api<Room>("POST", `/dm/${bob.id}`, { token: alice.token })).body;
    expectError(await api("GET", `/room/${dm.id}`, { token: eve.token }), 404, "not_found");
    expectError(await api("GET", `/message/rooms/${dm.id}/messages`, { token: eve.token }), 404, "not_found");
    expectError(
      await api("POST", `/room/${dm.id}/members`, { token: alice.token, json: { user_id: eve.id } }),
      403,
      "forbidden",
    );
    expectError(
      await api("PATCH", `/room/${dm.id}`, { token: alice.token, json: { name: "ours" } }),
      403,
      "forbidden",
    );
    expectError(
      await api("POST", `/room/${dm.id}/members/leave`, { token: alice.token }),
      403,
      "direct_room",
    );
  });

  it("works in real time and lists conversations with the other person, last message and unread count", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const dm = (await api<Room>("POST", `/dm/${bob.id}`, { token: alice.token })).body;
    const b = (await connect(dm.id, bob.token)).socket;
    const a = (await connect(dm.id, alice.token)).socket;
    a.send("hey bob");
    expect(await b.next("message")).toMatchObject({ seq: 1, content: "hey bob", user_id: alice.id });
    await a.next("ack");
    let row: DirectSummary | undefined;
    for (let i = 0; i < 50; i++) {
      row = (await api<DirectSummary[]>("GET", "/dm", { token: bob.token })).body.find((r) => r.id === dm.id);
      if (row?.last_message) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(row).toMatchObject({ with: { id: alice.id, username: alice.username }, unread_count: 1 });
    expect(row?.last_message?.content).toBe("hey bob");
    a.close();
    b.close();
  });
});
