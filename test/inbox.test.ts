import { describe, expect, it } from "vitest";
import { CloseCode } from "../src/protocol";
import { api, newAdmin, newRoom, newUser, type Room } from "./helpers";
import { connectInbox, inboxSeqs, openInbox } from "./inbox-socket";
import { connect } from "./socket";

/** The channel itself: the door, the notices of membership and account, devices, resume. */
describe("the inbox channel (/ws/me)", () => {
  it("opens with a ready frame of its own timeline; refuses a missing or bad token like a room", async () => {
    const alice = await newUser("alice");
    const { socket, ready, response } = await connectInbox(alice.token, {
      protocols: ["roomcast.v1", `bearer.${alice.token}`],
    });
    expect(ready).toMatchObject({
      type: "ready",
      protocol: 1,
      channel: "inbox",
      user: { id: alice.id, username: alice.username },
      recovered: null,
      replay_count: 0,
    });
    expect(ready.epoch).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(response.headers.get("sec-websocket-protocol")).toBe("roomcast.v1");
    socket.ws.send('{"type":"ping"}');
    expect(await socket.next("pong")).toEqual({ type: "pong" });
    socket.ws.send('{"type":"message.send","content":"hi"}');
    expect(await socket.next("error")).toMatchObject({ code: "unknown_type" });

    for (const token of [null, "not-a-token"]) {
      const { socket: refused } = await openInbox(token);
      expect(await refused.waitClosed()).toMatchObject({ code: CloseCode.unauthorized });
    }
    const plain = await api("GET", "/ws/me", { token: alice.token });
    expect(plain.status).toBe(426);
  });

  it("tells of joins, invitations, DMs, renames, leaving, removal, bans and deletion", async () => {
    const owner = await newUser("owner");
    const bob = await newUser("bob");
    const { socket } = await connectInbox(bob.token);
    const pub = await newRoom(owner, { kind: "public" });
    const priv = await newRoom(owner, { kind: "private" });
    const third = await newRoom(owner, { kind: "private" });

    await api("POST", `/room/${pub.id}/members/join`, { token: bob.token });
    expect(await socket.notice("room.joined")).toMatchObject({
      room: { id: pub.id, name: pub.name, kind: "public" },
    });
    await api("POST", `/room/${priv.id}/members`, { token: owner.token, json: { user_id: bob.id } });
    expect(await socket.notice("room.invited")).toMatchObject({
      room: { id: priv.id, kind: "private" },
      by: { id: owner.id, username: owner.username },
    });
    const dm = (await api<Room>("POST", `/dm/${owner.id}`, { token: bob.token })).body;
    expect(await socket.notice("dm.new")).toMatchObject({
      room: { id: dm.id, kind: "direct" },
      with: { id: owner.id, username: owner.username },
    });
    await api("POST", `/dm/${owner.id}`, { token: bob.token }); // the same DM again: nothing new
    await api("PATCH", `/room/${priv.id}`, { token: owner.token, json: { name: "renamed-room" } });
    expect(await socket.notice("room.renamed")).toMatchObject({
      room: { id: priv.id, name: "renamed-room" },
    });
    await api("POST", `/room/${pub.id}/members/leave`, { token: bob.token });
    expect(await socket.notice("room.left")).toMatchObject({ room_id: pub.id });
    await api("DELETE", `/room/${priv.id}/members/${bob.id}`, { token: owner.token });
    expect(await socket.notice("room.removed")).toMatchObject({ room_id: priv.id });
    await api("POST", `/room/${third.id}/members`, { token: owner.token, json: { user_id: bob.id } });
    expect(await socket.notice("room.invited")).toMatchObject({ type: "room.invited" });
    await api("POST", `/room/${third.id}/members/${bob.id}/ban`, { token: owner.token });
    expect(await socket.notice("room.banned")).toMatchObject({ room_id: third.id });

    const gone = await newRoom(owner, { kind: "private" });
    await api("POST", `/room/${gone.id}/members`, { token: owner.token, json: { user_id: bob.id } });
    expect(await socket.notice("room.invited")).toMatchObject({ type: "room.invited" });
    const ownerInbox = (await connectInbox(owner.token)).socket;
    await api("DELETE", `/room/${gone.id}`, { token: owner.token });
    expect(await socket.notice("room.deleted")).toMatchObject({ room_id: gone.id });
    expect(await ownerInbox.notice("room.deleted")).toMatchObject({ room_id: gone.id });
    expect((await socket.quiet()).filter((f) => f.type !== "room.head")).toEqual([]);
    const seqs = socket.frames.slice(1).map((f) => (f as { seq: number }).seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1)); // one timeline: 1, 2, 3 … with no gap
  });

  it("the other side of a new DM hears of it too", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const { socket } = await connectInbox(bob.token);
    const dm = (await api<Room>("POST", `/dm/${bob.id}`, { token: alice.token })).body;
    expect(await socket.next("dm.new")).toMatchObject({
      room: { id: dm.id },
      with: { id: alice.id, username: alice.username },
    });
  });

  it("joining a public room by posting or connecting there tells the channel too", async () => {
    const owner = await newUser("owner");
    const bob = await newUser("bob");
    const { socket } = await connectInbox(bob.token);
    const byPost = await newRoom(owner, { kind: "public" });
    const byConnect = await newRoom(owner, { kind: "public" });
    await api("POST", `/message/rooms/${byPost.id}/messages`, { token: bob.token, json: { content: "hi" } });
    expect(await socket.notice("room.joined")).toMatchObject({ room: { id: byPost.id } });
    await connect(byConnect.id, bob.token);
    expect(await socket.notice("room.joined")).toMatchObject({ room: { id: byConnect.id } });
  });

  it("every device of a user gets every event, with the same seq", async () => {
    const owner = await newUser("owner");
    const bob = await newUser("bob");
    const phone = (await connectInbox(bob.token)).socket;
    const laptop = (await connectInbox(bob.token)).socket;
    for (let i = 0; i < 3; i++) {
      const room = await newRoom(owner, { kind: "private" });
      await api("POST", `/room/${room.id}/members`, { token: owner.token, json: { user_id: bob.id } });
    }
    const a = [await phone.next(), await phone.next(), await phone.next()];
    const b = [await laptop.next(), await laptop.next(), await laptop.next()];
    expect(inboxSeqs(a)).toEqual([1, 2, 3]);
    expect(b).toEqual(a);
  });

  it("resumes: replays exactly what was missed, or says recovered: false", async () => {
    const owner = await newUser("owner");
    const bob = await newUser("bob");
    const invite = async () => {
      const room = await newRoom(owner, { kind: "private" });
      await api("POST", `/room/${room.id}/members`, { token: owner.token, json: { user_id: bob.id } });
      return room;
    };
    const first = await connectInbox(bob.token);
    await invite();
    await first.socket.notice("room.invited");
    const seen = await first.socket.next("room.head"); // a room gained while connected: its head follows
    first.socket.close();
    await first.socket.waitClosed();

    const missed = [await invite(), await invite()];
    const resumed = await connectInbox(bob.token, { since: seen.seq, epoch: first.ready.epoch });
    // The two invitations, then the heads of the two rooms, registered when this device came back.
    expect(resumed.ready).toMatchObject({ recovered: true, replay_count: 4, last_seq: seen.seq + 4 });
    const replay = [];
    for (let i = 0; i < 4; i++) replay.push(await resumed.socket.next());
    expect(replay.map((e) => [e.type, (e as { seq: number }).seq])).toEqual([
      ["room.invited", seen.seq + 1],
      ["room.invited", seen.seq + 2],
      ["room.head", seen.seq + 3],
      ["room.head", seen.seq + 4],
    ]);
    expect(replay.slice(0, 2).map((e) => (e as { room: { id: number } }).room.id)).toEqual(
      missed.map((r) => r.id),
    );
    await invite();
    expect(await resumed.socket.next("room.invited")).toMatchObject({ seq: seen.seq + 5 }); // live after the replay
    expect(await resumed.socket.next("room.head")).toMatchObject({ seq: seen.seq + 6 });
    resumed.socket.close();

    const other = { epoch: "01ARZ3NDEKTSV4RRFFQ69G5FAV", since: seen.seq };
    expect((await connectInbox(bob.token, other)).ready).toMatchObject({ recovered: false, replay_count: 0 });
    const ahead = { since: seen.seq + 100, epoch: first.ready.epoch };
    expect((await connectInbox(bob.token, ahead)).ready).toMatchObject({ recovered: false });
    // The log keeps the last INBOX_KEEP_EVENTS (8 in the tests): a resume from further back is refused whole.
    for (let i = 0; i < 8; i++) await invite();
    const tooOld = await connectInbox(bob.token, { since: seen.seq, epoch: first.ready.epoch });
    expect(tooOld.ready).toMatchObject({ recovered: false, replay_count: 0 });
    expect(await tooOld.socket.quiet(200)).toEqual([]);
    const recent = await connectInbox(bob.token, {
      since: tooOld.ready.last_seq - 8,
      epoch: first.ready.epoch,
    });
    expect(recent.ready).toMatchObject({ recovered: true, replay_count: 8 });
  });

  it("closes every device at once on a password change (4401) and on deactivation (4403)", async () => {
    const alice = await newUser("alice");
    const admin = await newAdmin();
    const phone = (await connectInbox(alice.token)).socket;
    const laptop = (await connectInbox(alice.token)).socket;
    await api("POST", "/user/update_password", {
      token: alice.token,
      json: { current_password: alice.password, new_password: "a brand new password" },
    });
    expect(await phone.waitClosed()).toMatchObject({ code: CloseCode.unauthorized });
    expect(await laptop.waitClosed()).toMatchObject({ code: CloseCode.unauthorized });

    const bob = await newUser("bob");
    const bobs = (await connectInbox(bob.token)).socket;
    await api("PUT", `/user/update/${bob.id}`, { token: admin.token, json: { is_active: false } });
    expect(await bobs.waitClosed()).toMatchObject({ code: CloseCode.forbidden, reason: "account disabled" });
  });

  it("limits a user's devices (4429)", async () => {
    const alice = await newUser("alice");
    for (let i = 0; i < 10; i++) await connectInbox(alice.token);
    const { socket } = await openInbox(alice.token);
    expect(await socket.waitClosed()).toMatchObject({
      code: CloseCode.tooManySockets,
      reason: "too_many_sockets",
    });
  });
});
