import type { SessionUser } from "../auth/session";
import type { ReadScope, Scope, UserScope } from "../context";
import { fromJsonText, toJsonText } from "../json-text";
import { type MessageEvent, toMessageOut } from "../protocol";
import {
  type HistoryBody,
  type HistoryWindow,
  quoteAs,
  type ReadAs,
  type Reader,
  type Reply,
  roomStub,
  type SendRequest,
  type SocketUser,
  type ThreadWindow,
  unwrap,
} from "../room";
import { blockedUsers } from "./people";

/**
 * Messages are the room's business: its object decides access from its own roster and answers
 * from its own cache when it can, so a warm room needs no database round trip for these.
 */
export const asSocketUser = (
  user: Pick<SessionUser, "id" | "username" | "isAdmin" | "sessionId">,
): SocketUser => ({
  user: { id: user.id, username: user.username },
  isAdmin: user.isAdmin,
  // A socket remembers its session, so that ending the session closes it (README, Sessions).
  ...(user.sessionId !== undefined && { sessionId: user.sessionId }),
});

const room = (s: Scope, roomId: number) => roomStub(s.env, roomId);

/**
 * A room's read on a reading route (`requireReader`, auth/middleware.ts): the room makes the
 * caller's account check itself (`Reader`), from its leased copy when it has one, and answers
 * only once it has held; the user it checked is the caller's from then on. A bot's key was
 * checked by the worker.
 */
async function asReader<T>(s: ReadScope, ask: (reader: Reader) => Promise<Reply<ReadAs<T>>>) {
  const { caller } = s;
  const checked = caller.user;
  const reader: Reader = caller.claims
    ? { claims: caller.claims }
    : { checked: asSocketUser(checked as SessionUser) };
  const { value, user } = await unwrap(ask(reader));
  caller.user = user ?? checked;
  return { user: caller.user as SessionUser, value };
}

/**
 * Leaves out messages by users the caller blocked, and hides what replies quote of them (the
 * room's rule, `quoteAs`; the room applies it too, this covers a reader whose blocks it does not
 * keep). Their seqs are simply absent, as those of edit and delete events always are from these
 * pages (README, People).
 */
function shownTo(readerId: number, blocked: number[], rows: MessageEvent[]) {
  if (blocked.length === 0) return rows;
  const hidden = new Set(blocked);
  const hides = (id: number | null) => id !== null && hidden.has(id);
  return rows.filter((m) => !hides(m.user_id)).map((m) => quoteAs(m, { id: readerId, hides }));
}

/**
 * A page (history or thread) as the JSON text the room made of it, after `shownTo`'s rule: only
 * a page by or quoting someone the caller blocked is parsed here, to apply it.
 */
async function shownBody(s: UserScope, page: HistoryBody) {
  // The token check brought the list along (auth/middleware.ts); a bot's key did not.
  const blocked = s.user.blocked ?? (await blockedUsers(s.env, s.user.id));
  if (!page.authors.some((id) => blocked.includes(id))) return page.body;
  const rows = fromJsonText(page.body).map((m): MessageEvent => ({ type: "message", ...m }));
  return toJsonText(shownTo(s.user.id, blocked, rows).map(toMessageOut));
}

/** A page of a room's messages, oldest first, in their current state (reads its own writes). */
export const listMessages = async (s: ReadScope, roomId: number, w: HistoryWindow) => {
  const { user, value } = await asReader(s, (reader) => room(s, roomId).historyBody(roomId, reader, w));
  return shownBody({ ...s, user }, value);
};

/** Sends through the room's object, the single writer of its timeline (optionally a reply, with files). */
export const postMessage = (s: UserScope, roomId: number, send: SendRequest) =>
  unwrap(room(s, roomId).sendMessage(roomId, asSocketUser(s.user), send));

/** The replies under a message, oldest first. */
export const listThread = async (s: ReadScope, roomId: number, id: string, w: ThreadWindow) => {
  const ask = (reader: Reader) => room(s, roomId).threadBody(roomId, reader, id, w);
  const { user, value } = await asReader(s, ask);
  return shownBody({ ...s, user }, value);
};

/** Adds (`on`) or removes the caller's reaction; idempotent. */
export const react = (s: UserScope, roomId: number, id: string, key: string, on: boolean) =>
  unwrap(room(s, roomId).react(roomId, asSocketUser(s.user), id, key, on));

export const editMessage = (s: UserScope, roomId: number, id: string, content: string) =>
  unwrap(room(s, roomId).editMessage(roomId, asSocketUser(s.user), id, content));

export const deleteMessage = (s: UserScope, roomId: number, id: string) =>
  unwrap(room(s, roomId).deleteMessage(roomId, asSocketUser(s.user), id));

/** The room's row, if this user may see it. */
export const describeRoom = async (s: ReadScope, roomId: number) =>
  (await asReader(s, (reader) => room(s, roomId).describe(roomId, reader))).value;
