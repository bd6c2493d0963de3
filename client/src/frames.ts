/**
 * Frame types, from the server's protocol module (src/protocol/frames.ts): one source of truth.
 * Type-only imports (and the list of event types from kinds.ts, which imports nothing), so the
 * client carries none of the server's code.
 */
import type { ClientFrame, ServerFrame, TimelineEvent } from "../../src/protocol/frames";
import { TIMELINE_EVENT_TYPES } from "../../src/protocol/kinds";

export type { DeleteEvent, EditEvent, MessageEvent, UserRef } from "../../src/protocol/frames";
export type { ClientFrame, ServerFrame, TimelineEvent };

type OfType<T extends ServerFrame["type"]> = Extract<ServerFrame, { type: T }>;
export type ReadyFrame = OfType<"ready">;
export type AckFrame = OfType<"ack">;
export type PresenceFrame = OfType<"presence">;
export type TypingFrame = OfType<"typing">;
export type ReadFrame = OfType<"read">;
export type ErrorFrame = OfType<"error">;

const TIMELINE = new Set<string>(TIMELINE_EVENT_TYPES);

/**
 * Only timeline events move the resume cursor. `read` and `ack` frames carry a `seq` too, but
 * resuming from them would skip (read ahead of what you saw) or repeat events.
 */
export const isTimelineEvent = (f: ServerFrame): f is TimelineEvent => TIMELINE.has(f.type);
