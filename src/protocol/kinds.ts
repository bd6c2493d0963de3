/**
 * The one definition of each list and rule the product names in many places (issue 17): room
 * kinds, roles, event kinds, the id and seq bounds, the username rule. No imports, so that the zod
 * schemas, the drizzle schema, the room and the typed client all read them from here.
 */

export const ROOM_KINDS = ["public", "private", "direct"] as const;
export type RoomKind = (typeof ROOM_KINDS)[number];
/** The kinds `POST /room/` creates; direct rooms come from `POST /dm/{user_id}`. */
export const CREATABLE_ROOM_KINDS = ["public", "private"] as const satisfies readonly RoomKind[];

export const ROOM_ROLES = ["owner", "admin", "member"] as const;

/** What a stored event row is (the room's SQLite `events.kind`, PostgreSQL's `messages.kind`). */
export const EVENT_ROW_KINDS = ["message", "edit", "delete", "reaction", "thread"] as const;
export type EventRowKind = (typeof EVENT_ROW_KINDS)[number];

/** The `type` of each timeline event on the wire: the frames that carry a `seq` and move the resume cursor. */
export const TIMELINE_EVENT_TYPES = [
  "message",
  "message.edited",
  "message.deleted",
  "reaction",
  "thread.updated",
] as const;

/** Longest message id (a ULID the room mints), `client_id` or reaction key a client may name. */
export const ID_MAX_CHARS = 64;
/** Largest `seq` a client may name: a timeline position, also as a path or query parameter. */
export const SEQ_MAX = Number.MAX_SAFE_INTEGER;

/** The characters of a username (a regex character class) and its length: signup and `@mentions`. */
export const USERNAME_CHARS = "A-Za-z0-9_.-";
export const USERNAME_MIN = 3;
export const USERNAME_MAX = 32;
