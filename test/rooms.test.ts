import { describe, expect, it } from "vitest";
import { api, expectError, newAdmin, newRoom, newUser, type Room, type RoomSummary } from "./helpers";

describe("rooms", () => {
  it("creates a room with the creator as owner, and lists it among my rooms only", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const res = await api<Room>("POST", "/room/", {
      token: alice.token,
      json: { name: "general", description: "hi" },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: "general",
      description: "hi",
      kind: "public",
      owner_id: alice.id,
    });

    const mine = await api<RoomSummary[]>("GET", "/room/rooms", { token: alice.token });
    expect(mine.body.map((r) => r.id)).toContain(res.body.id);
    const bobs = await api<RoomSummary[]>("GET", "/room/rooms", { token: bob.token });
    expect(bobs.body.map((r) => r.id)).not.toContain(res.body.id);
  });

  it("shows a global admin every room", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const admin = await newAdmin();
    const all = await api<RoomSummary[]>("GET", "/room/rooms?limit=100", { token: admin.token });
    expect(all.body.map((r) => r.id)).toContain(room.id);
  });

  it("gets a public room by id, and answers 404 for an unknown one", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const room = await newRoom(alice);
    const res = await api("GET", `/room/${room.id}`, { token: bob.token });
    expect(res.body).toMatchObject({ id: room.id, name: room.name });
    expectError(await api("GET", "/room/987654", { token: bob.token }), 404, "not_found");
  });

  it("hides a private room from non-members with 404", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const room = await newRoom(alice, { kind: "private" });
    expectError(await api("GET", `/room/${room.id}`, { token: bob.token }), 404, "not_found");
    expect((await api("GET", `/room/${room.id}`, { token: alice.token })).status).toBe(200);
  });

  it("lets the owner patch and a stranger not", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const room = await newRoom(alice);
    const patched = await api<Room>("PATCH", `/room/${room.id}`, {
      token: alice.token,
      json: { name: "renamed" },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.name).toBe("renamed");
    expectError(
      await api("PATCH", `/room/${room.id}`, { token: bob.token, json: { name: "mine" } }),
      403,
      "forbidden",
    );
    expect((await api<Room>("GET", `/room/${room.id}`, { token: alice.token })).body.name).toBe("renamed");
  });

  it("lets a stranger not delete, and the owner or a global admin delete", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const admin = await newAdmin();
    const r1 = await newRoom(alice);
    const r2 = await newRoom(alice);
    expectError(await api("DELETE", `/room/${r1.id}`, { token: bob.token }), 403, "forbidden");
    expect((await api("DELETE", `/room/${r1.id}`, { token: alice.token })).status).toBe(204);
    expectError(await api("GET", `/room/${r1.id}`, { token: alice.token }), 404, "not_found");
    expect((await api("DELETE", `/room/${r2.id}`, { token: admin.token })).status).toBe(204);
  });

  it("lets a global admin patch someone else's room", async () => {
    const alice = await newUser();
    const admin = await newAdmin();
    const room = await newRoom(alice);
    const res = await api<Room>("PATCH", `/room/${room.id}`, {
      token: admin.token,
      json: { description: "moderated" },
    });
    expect(res.body.description).toBe("moderated");
  });

  it("validates input", async () => {
    const alice = await newUser();
    expectError(
      await api("POST", "/room/", { token: alice.token, json: { name: "   " } }),
      422,
      "validation_error",
    );
    expectError(
      await api("POST", "/room/", { token: alice.token, json: { name: "x", kind: "direct" } }),
      422,
      "validation_error",
    );
    expectError(await api("POST", "/room/", { json: { name: "x" } }), 401, "unauthorized");
    expectError(await api("GET", "/room/not-a-number", { token: alice.token }), 422, "validation_error");
  });
});
