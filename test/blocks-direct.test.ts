import { describe, expect, it } from "vitest";
import { api, block, expectError, type Message, newUser, postAs as post, unblock } from "./helpers";
import { connect } from "./socket";

describe("direct messages between blocked users (issue 19)", () => {
  it("a blocked user cannot post in an existing DM with the blocker, over REST or a socket, and is not told why", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const dm = (await api<{ id: number }>("POST", `/dm/${alice.id}`, { token: bob.token })).body;
    expect((await post(bob, dm.id, "hi")).status).toBe(201);
    const b = (await connect(dm.id, bob.token)).socket;
    const a = (await connect(dm.id, alice.token)).socket;
    expect((await block(alice, bob)).status).toBe(204);
    expectError(await post(bob, dm.id, "still there?"), 403, "direct_unavailable");
    b.send({ type: "message.send", content: "hello?", client_id: "x1" });
    expect(await b.next("error")).toMatchObject({ code: "direct_unavailable", client_id: "x1" });
    // The blocker is told why, on both paths.
    expectError(await post(alice, dm.id, "and me?"), 409, "user_blocked");
    a.send({ type: "message.send", content: "me too?", client_id: "y1" });
    expect(await a.next("error")).toMatchObject({ code: "user_blocked", client_id: "y1" });
    // Nothing of the refused sends was stored.
    const history = await api<Message[]>("GET", `/message/rooms/${dm.id}/messages`, { token: bob.token });
    expect(history.body.map((m) => m.content)).toEqual(["hi"]);
    await unblock(alice, bob);
    expect((await post(bob, dm.id, "back")).status).toBe(201);
  });
});
