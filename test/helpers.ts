import { env, exports } from "cloudflare:workers";
import { asc, eq } from "drizzle-orm";
import { expect } from "vitest";
import { openDb } from "../src/db/client";
import { messages, users } from "../src/db/schema";
import { loadConfig } from "../src/env";
import type { ErrorBody, Login, Message, Room, RoomSummary, User } from "./types";

export type * from "./types";

/**
 * A response as the tests see it. `body` is the parsed JSON (or the text, or null when empty),
 * typed as the caller says (test/types.ts); `unknown` unless a test reads it.
 */
export type ApiResponse<T = unknown> = { status: number; body: T; headers: Headers };

type Options = {
  token?: string;
  json?: unknown;
  form?: Record<string, string>;
  raw?: string;
  headers?: Record<string, string>;
};

/**
 * Calls the worker through its real fetch handler, as a client would. `T` is the body the test
 * expects, a type from test/types.ts (`api<Room>(…)`, `api<ErrorBody>(…)`); nothing is checked at
 * run time: the assertions do that.
 */
export async function api<T = unknown>(
  method: string,
  path: string,
  opts: Options = {},
): Promise<ApiResponse<T>> {
  const headers = new Headers(opts.headers);
  let body: BodyInit | undefined = opts.raw;
  if (opts.token) headers.set("authorization", `Bearer ${opts.token}`);
  if (opts.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(opts.json);
  } else if (opts.form) {
    headers.set("content-type", "application/x-www-form-urlencoded");
    body = new URLSearchParams(opts.form).toString();
  }
  const res = await exports.default.fetch(
    new Request(`http://roomcast.test${path}`, { method, headers, body }),
  );
  return readResponse<T>(res);
}

/** A response as tests read it: the status, the body parsed as JSON (else the text), the headers. */
export async function readResponse<T>(res: Response): Promise<ApiResponse<T>> {
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {}
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export const unique = (prefix: string) => `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;

export type TestUser = { id: number; username: string; email: string; password: string; token: string };

/** Signs up a fresh user and logs in. */
export async function newUser(prefix = "user"): Promise<TestUser> {
  const username = unique(prefix);
  const email = `${username}@example.test`;
  const password = "correct horse battery";
  const signup = await api<User>("POST", "/user/signup", { json: { username, email, password } });
  if (signup.status !== 201)
    throw new Error(`signup failed: ${signup.status} ${JSON.stringify(signup.body)}`);
  const login = await api<Login>("POST", "/auth/login", { json: { username, password } });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
  return { id: signup.body.id, username, email, password, token: login.body.access_token };
}

/** Promotes a user to global admin directly in PostgreSQL (what `npm run admin` does). */
export async function newAdmin(): Promise<TestUser> {
  const user = await newUser("admin");
  const { db, close } = testDb();
  try {
    await db.update(users).set({ isAdmin: true }).where(eq(users.id, user.id));
  } finally {
    await close();
  }
  return user;
}

export async function newRoom(owner: TestUser, body: Record<string, unknown> = {}): Promise<Room> {
  const res = await api<Room>("POST", "/room/", {
    token: owner.token,
    json: { name: unique("room"), ...body },
  });
  if (res.status !== 201) throw new Error(`room create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A public room of a fresh owner that a fresh member has joined. */
export async function roomWithMember() {
  const owner = await newUser("owner");
  const member = await newUser("member");
  const room = await newRoom(owner);
  await api("POST", `/room/${room.id}/members/join`, { token: member.token });
  return { owner, member, room };
}

/** A message posted over REST by `who`. */
export const postAs = (who: TestUser, roomId: number, content: string) =>
  api<Message>("POST", `/message/rooms/${roomId}/messages`, { token: who.token, json: { content } });

/** `who` blocks `other` (PUT /user/blocks/{id}); `unblock` undoes it. */
export const block = (who: TestUser, other: TestUser) =>
  api("PUT", `/user/blocks/${other.id}`, { token: who.token });
export const unblock = (who: TestUser, other: TestUser) =>
  api("DELETE", `/user/blocks/${other.id}`, { token: who.token });

/** alice and bob join a room carol owns (the blocks suites' cast). */
export async function threeInARoom() {
  const alice = await newUser("alice");
  const bob = await newUser("bob");
  const carol = await newUser("carol");
  const room = await newRoom(carol);
  for (const u of [alice, bob]) await api("POST", `/room/${room.id}/members/join`, { token: u.token });
  return { alice, bob, carol, room };
}

/** The room as `GET /room/rooms` lists it for `u` (counts, preview). */
export const listedRoom = async (u: TestUser, roomId: number) =>
  (await api<RoomSummary[]>("GET", "/room/rooms", { token: u.token })).body.find((r) => r.id === roomId);

/** Asserts the one error shape: status plus a stable `code`. */
export function expectError(res: ApiResponse, status: number, code: string) {
  // Whatever came back is read as an error body, for the assertions to compare.
  const body = res.body as ErrorBody | null;
  expect({ status: res.status, code: body?.error?.code }).toEqual({ status, code });
  expect(typeof (body as ErrorBody).error.message).toBe("string");
}

/** Posts a raw body, for inputs `api()` cannot produce (broken JSON, odd content types). */
export async function rawPost<T = unknown>(path: string, body: string, contentType: string, token?: string) {
  return api<T>("POST", path, {
    headers: { "content-type": contentType, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    raw: body,
  });
}

/**
 * The tests' own database handle: through a bridge that stays up when a test takes the worker's
 * database connection down (test/outage.test.ts).
 */
const testDb = () => {
  const config = loadConfig(env);
  const proxy = (env as unknown as { TEST_DB_WS_PROXY?: string }).TEST_DB_WS_PROXY;
  return openDb({ ...config, ...(proxy && { DB_WS_PROXY: proxy }) });
};

/** Runs `work` on the tests' own database connection (the bridge that stays up). */
export async function withTestDb<T>(work: (db: ReturnType<typeof testDb>["db"]) => Promise<T>): Promise<T> {
  const { db, close } = testDb();
  try {
    return await work(db);
  } finally {
    await close();
  }
}

/** The messages PostgreSQL holds for a room, by seq: what the outbox has copied so far. */
export async function storedMessages(roomId: number) {
  const { db, close } = testDb();
  try {
    return await db.select().from(messages).where(eq(messages.roomId, roomId)).orderBy(asc(messages.seq));
  } finally {
    await close();
  }
}

export { eventually } from "./eventually";
