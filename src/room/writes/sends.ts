import type { MessageEvent, UserRef } from "../../protocol";
import { Conversation } from "./conversation";
import type { RoomWrites } from "./writes";

export type Sent = { event: MessageEvent; duplicate: boolean };

/**
 * Sends, sequenced in arrival order. A plain send is synchronous. A reply or a mention may first
 * read (the parent, the mentioned names), so it waits in a queue, and so does every send that
 * arrives while one waits: no send overtakes an earlier one of the same room.
 */
export class SendQueue {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  constructor(
    private readonly writes: RoomWrites,
    private readonly conversation: Conversation,
  ) {}

  /** `defer`: a socket send, written with the others of its turn (group commit). */
  post(
    user: UserRef,
    content: string,
    clientId: string | null,
    replyTo: string | null,
    defer = false,
  ): Sent | Promise<Sent> {
    if (this.waiting === 0 && !Conversation.wants(content, replyTo)) {
      return this.writes.post(user, content, clientId, undefined, defer);
    }
    this.waiting++;
    const sent = this.tail.then(() =>
      Conversation.wants(content, replyTo)
        ? this.conversation.post(user, content, clientId, replyTo)
        : this.writes.post(user, content, clientId, undefined, defer),
    );
    this.tail = sent.then(
      () => undefined,
      () => undefined,
    );
    return sent.finally(() => {
      this.waiting--;
    });
  }
}
