import { beforeAll, describe, expect, it } from "vitest";
import {
  api,
  eventually,
  type Message,
  newAdmin,
  newRoom,
  newUser,
  type Room,
  type SearchPage,
  storedMessages,
  type TestUser,
} from "./helpers";
import { openSocket } from "./socket";

/**
 * The authorization matrix: every endpoint and socket action for each kind of user, in public,
 * private and direct rooms. Each cell is the HTTP status (101 = the WebSocket was accepted).
 * Actions that change the actor's own membership (react/post/connect join a public room) run after
 * every action whose answer would change with it; reactions run before deletes (a deleted message
 * takes no reactions).
 */
type Who = "stranger" | "member" | "roomAdmin" | "owner" | "banned" | "globalAdmin";
type Kind = "public" | "private" | "direct";
type Ctx = { roomId: number; actor: TestUser; othersMessage: string };
type Action = { name: string; run: (c: Ctx) => Promise<number> };

const WHO: Who[] = ["stranger", "member", "roomAdmin", "owner", "banned", "globalAdmin"];

const actions: Action[] = [
  {
    name: "GET room",
    run: async (c) => (await api("GET", `/room/${c.roomId}`, { token: c.actor.token })).status,
  },
  {
    name: "GET history",
    run: async (c) =>
      (await api("GET", `/message/rooms/${c.roomId}/messages`, { token: c.actor.token })).status,
  },
  {
    name: "GET members",
    run: async (c) => (await api("GET", `/room/${c.roomId}/members`, { token: c.actor.token })).status,
  },
  {
    name: "PATCH room",
    run: async (c) =>
      (await api("PATCH", `/room/${c.roomId}`, { token: c.actor.token, json: { description: "x" } })).status,
  },
  {
    name: "add member",
    run: async (c) => {
      const target = await newUser("target");
      return (
        await api("POST", `/room/${c.roomId}/members`, { token: c.actor.token, json: { user_id: target.id } })
      ).status;
    },
  },
  {
    name: "GET thread",
    run: async (c) =>
      (
        await api("GET", `/message/rooms/${c.roomId}/messages/${c.othersMessage}/thread`, {
          token: c.actor.token,
        })
      ).status,
  },
  {
    // Search answers 200 to everyone; the cell says whether the room's messages are found (200) or not (404).
    name: "search finds",
    run: async (c) => {
      await eventually(async () => expect((await storedMessages(c.roomId)).length).toBeGreaterThanOrEqual(6));
      const res = await api<SearchPage>("GET", `/search?q=deleting&room_id=${c.roomId}`, {
        token: c.actor.token,
      });
      return res.status === 200 && res.body.results.length > 0 ? 200 : 404;
    },
  },
  {
    name: "remove reaction",
    run: async (c) =>
      (
        await api("DELETE", `/message/rooms/${c.roomId}/messages/${c.othersMessage}/reactions/%F0%9F%91%8D`, {
          token: c.actor.token,
        })
      ).status,
  },
  {
    name: "react",
    run: async (c) =>
      (
        await api("PUT", `/message/rooms/${c.roomId}/messages/${c.othersMessage}/reactions/%F0%9F%91%8D`, {
          token: c.actor.token,
        })
      ).status,
  },
  {
    name: "delete another's message",
    run: async (c) =>
      (
        await api("DELETE", `/message/rooms/${c.roomId}/messages/${c.othersMessage}`, {
          token: c.actor.token,
        })
      ).status,
  },
  {
    name: "post",
    run: async (c) =>
      (
        await api("POST", `/message/rooms/${c.roomId}/messages`, {
          token: c.actor.token,
          json: { content: "hi" },
        })
      ).status,
  },
  {
    name: "connect",
    run: async (c) => {
      // Refusals are sockets closed at once with 4000 + the status (4403, 4404).
      const { socket, response, refusal } = await openSocket(c.roomId, c.actor.token);
      socket?.close();
      return refusal ? refusal.code : response.status;
    },
  },
];

// Expected status per action, per actor: [stranger, member, roomAdmin, owner, banned, globalAdmin].
const expected: Record<Kind, Record<string, number[]>> = {
  public: {
    "GET room": [200, 200, 200, 200, 403, 200],
    "GET history": [200, 200, 200, 200, 403, 200],
    "GET members": [200, 200, 200, 200, 403, 200],
    "PATCH room": [403, 403, 200, 200, 403, 200],
    "add member": [403, 403, 201, 201, 403, 201],
    "delete another's message": [403, 403, 200, 200, 403, 200],
    "GET thread": [200, 200, 200, 200, 403, 200],
    "search finds": [200, 200, 200, 200, 404, 200],
    "remove reaction": [403, 200, 200, 200, 403, 403],
    react: [200, 200, 200, 200, 403, 200],
    post: [201, 201, 201, 201, 403, 201],
    connect: [101, 101, 101, 101, 4403, 101],
  },
  private: {
    "GET room": [404, 200, 200, 200, 404, 200],
    "GET history": [404, 200, 200, 200, 404, 200],
    "GET members": [404, 200, 200, 200, 404, 200],
    "PATCH room": [404, 403, 200, 200, 404, 200],
    "add member": [404, 403, 201, 201, 404, 201],
    "delete another's message": [404, 403, 200, 200, 404, 200],
    "GET thread": [404, 200, 200, 200, 404, 200],
    "search finds": [404, 200, 200, 200, 404, 200],
    "remove reaction": [404, 200, 200, 200, 404, 403],
    react: [404, 200, 200, 200, 404, 403],
    post: [404, 201, 201, 201, 404, 403],
    connect: [4404, 101, 101, 101, 4404, 4403],
  },
  // In a direct room "member" is one participant and the others play no role but stranger/global admin.
  direct: {
    "GET room": [404, 200, 404, 404, 404, 200],
    "GET history": [404, 200, 404, 404, 404, 200],
    "GET members": [404, 200, 404, 404, 404, 200],
    "PATCH room": [404, 403, 404, 404, 404, 403],
    "add member": [404, 403, 404, 404, 404, 403],
    "delete another's message": [404, 403, 404, 404, 404, 200],
    "GET thread": [404, 200, 404, 404, 404, 200],
    "search finds": [404, 200, 404, 404, 404, 200],
    "remove reaction": [404, 200, 404, 404, 404, 403],
    react: [404, 200, 404, 404, 404, 403],
    post: [404, 201, 404, 404, 404, 403],
    connect: [4404, 101, 4404, 4404, 4404, 4403],
  },
};

let users: Record<Who, TestUser>;

beforeAll(async () => {
  users = {
    stranger: await newUser("stranger"),
    member: await newUser("member"),
    roomAdmin: await newUser("roomadmin"),
    owner: await newUser("owner"),
    banned: await newUser("banned"),
    globalAdmin: await newAdmin(),
  };
});

/** Builds a room of a kind with each role in place and a message by the owner (or other participant) per actor. */
async function setUp(kind: Kind) {
  const { owner, member, roomAdmin, banned } = users;
  let roomId: number;
  let author: TestUser;
  if (kind === "direct") {
    const peer = await newUser("peer");
    roomId = (await api<Room>("POST", `/dm/${member.id}`, { token: peer.token })).body.id;
    author = peer;
  } else {
    roomId = (await newRoom(owner, { kind })).id;
    author = owner;
    await api("POST", `/room/${roomId}/members`, { token: owner.token, json: { user_id: member.id } });
    await api("POST", `/room/${roomId}/members`, {
      token: owner.token,
      json: { user_id: roomAdmin.id, role: "admin" },
    });
    await api("POST", `/room/${roomId}/members`, { token: owner.token, json: { user_id: banned.id } });
    await api("POST", `/room/${roomId}/members/${banned.id}/ban`, { token: owner.token });
  }
  const messages: Record<string, string> = {};
  for (const who of WHO) {
    const sent = await api<Message>("POST", `/message/rooms/${roomId}/messages`, {
      token: author.token,
      json: { content: `for ${who} to try deleting` },
    });
    messages[who] = sent.body.id;
  }
  return { roomId, messages };
}

describe.each(["public", "private", "direct"] as const)("authorization in a %s room", (kind) => {
  it("gives each kind of user exactly the expected answer for every action", async () => {
    const { roomId, messages } = await setUp(kind);
    const got: Record<string, number[]> = {};
    for (const action of actions) {
      got[action.name] = [];
      for (const who of WHO) {
        const status = await action.run({ roomId, actor: users[who], othersMessage: messages[who] ?? "" });
        got[action.name]?.push(status);
      }
    }
    expect(got).toEqual(expected[kind]);
  });
});
