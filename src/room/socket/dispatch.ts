import type { Bindings } from "../../env";
import { toAppError } from "../../errors";
import type { ClientFrame, ClientFrameOf } from "../../protocol";
import type { Door } from "../access/door";
import type { HiddenEvents } from "../moderation/hidden";
import type { RoomOutput } from "../output";
import type { Conversation } from "../writes/conversation";
import type { UserLimits } from "../writes/limits";
import type { SendQueue, Sent } from "../writes/sends";
import type { RoomWrites } from "../writes/writes";
import { accountHolds } from "./account-check";
import { frame, parseFrame } from "./codec";
import { attachmentOf, type SocketUser, userTag } from "./identity";
import { holds, sendGate } from "./send-order";

type Handler<F> = (ws: WebSocket, who: SocketUser, f: F) => unknown;
export type FrameHandlers = { [T in ClientFrame["type"]]: Handler<ClientFrameOf<T>> };

type Parts = {
  ctx: DurableObjectState;
  env: Bindings;
  door: Door;
  sends: SendQueue;
  writes: RoomWrites;
  conversation: Conversation;
  limits: UserLimits;
  out: RoomOutput;
  sync: { confirmed(ws: WebSocket, token: string): void };
  /** Typing of someone a reader blocked does not reach them either. */
  hidden: Pick<HiddenEvents, "blockersSockets">;
};

/** One handler per client frame type: each makes one call and answers (or lets the refusal throw). */
export function frameHandlers(parts: Parts): FrameHandlers {
  return checked(parts, handlersOf(parts));
}

/** Frames that act on nothing: no account check for them. */
const UNCHECKED = new Set(["ping", "sync"]);

/** Every frame but a ping or a sync echo first checks that the account still holds (account-check.ts). */
function checked({ env, ctx, out }: Parts, handlers: FrameHandlers): FrameHandlers {
  const wrapped = Object.entries(handlers).map(([type, handle]: [string, Handler<never>]) => [
    type,
    UNCHECKED.has(type)
      ? handle
      : (ws: WebSocket, who: SocketUser, f: never) => {
          const holds = accountHolds(env, ctx, out, ws, who);
          return holds === true
            ? handle(ws, who, f)
            : holds.then((ok) => (ok ? handle(ws, who, f) : undefined));
        },
  ]);
  return Object.fromEntries(wrapped) as FrameHandlers;
}

/** A send, acked once stored; on an ordered socket it first passes its gate (send-order.ts). */
function sendHandler({ door, sends, out }: Parts): FrameHandlers["message.send"] {
  return (ws, who, f) => {
    const clientId = f.client_id ?? null;
    // A masked send says so, with what was stored: never a silent change of what was sent.
    const ack = ({ event, duplicate, modified }: Sent) =>
      out.send(ws, {
        type: "ack",
        client_id: clientId,
        id: event.id,
        seq: event.seq,
        duplicate,
        ...(modified && { modified, content: event.content ?? "" }),
      });
    const files = f.attachments ?? [];
    const send = {
      content: f.content,
      clientId,
      replyTo: f.reply_to ?? null,
      files,
      gate: sendGate(ws, clientId),
    };
    const sent = sends.post(door.actor(who), send, true);
    return sent instanceof Promise ? sent.then(ack) : ack(sent);
  };
}

function handlersOf(p: Parts): FrameHandlers {
  const { ctx, door, writes, conversation, limits, out, sync, hidden } = p;
  const react = async (
    ws: WebSocket,
    who: SocketUser,
    f: { message_id: string; key: string },
    on: boolean,
  ) => {
    const { reactions: _, ...outcome } = await conversation.react(who.user, f.message_id, f.key, on);
    out.send(ws, { type: "reaction.ack", ...outcome });
  };
  return {
    ping: (ws) => out.send(ws, { type: "pong" }),
    // An echoed marker is not answered: it only lets more be sent (socket/flow.ts).
    sync: (ws, _who, f) => sync.confirmed(ws, f.token),
    "message.send": sendHandler(p),
    "reaction.add": (ws, who, f) => react(ws, who, f, true),
    "reaction.remove": (ws, who, f) => react(ws, who, f, false),
    // Edits and deletes are acknowledged by their broadcast; only refusals need an answer.
    // The room role is read from the roster only where it matters (moderation), not on every send.
    "message.edit": (_ws, who, f) => writes.edit(door.actor(who), f.message_id, f.content),
    "message.delete": (_ws, who, f) => writes.remove(door.actor(who), f.message_id),
    read: (_ws, who, f) => writes.markRead(who.user, f.seq),
    typing: (_ws, who) => {
      limits.take("typing", who.user.id);
      // By tag, not by reading every socket's attachment (a deserialisation each) per frame; not
      // to the sockets of readers who blocked the typist either.
      const skip = new Set([
        ...ctx.getWebSockets(userTag(who.user.id)),
        ...hidden.blockersSockets(ctx, who.user.id),
      ]);
      const others = ctx.getWebSockets().filter((s) => !skip.has(s));
      out.broadcast(others, frame({ type: "typing", user: who.user }));
    },
  };
}

/** Parse, hand to the one handler for its type, answer. Never throws: every refusal is an error frame. */
export async function dispatch(
  { handlers, out }: { handlers: FrameHandlers; out: RoomOutput },
  ws: WebSocket,
  data: string | ArrayBuffer,
  maxBytes: number,
) {
  let msg: ClientFrame | undefined;
  try {
    msg = parseFrame(data, maxBytes);
    const handle = handlers[msg.type] as Handler<ClientFrame>;
    await handle(ws, attachmentOf(ws), msg);
  } catch (err) {
    const clientId = msg?.type === "message.send" ? (msg.client_id ?? null) : undefined;
    const refusal = toAppError(err);
    out.refuse(ws, refusal, clientId, clientId !== undefined && holds(ws, clientId, refusal));
  }
}
