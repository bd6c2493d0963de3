import type { Config } from "../../env";
import type { Actor } from "../socket/identity";
import type { SendGate } from "../socket/send-order";
import { Conversation } from "./conversation";
import type { FileClaims } from "./file-claims";
import { checkContent, type RoomWrites, type Sent } from "./writes";

export type { Sent } from "./writes";

/** What one send asks for. */
export type SendRequest = {
  content: string;
  clientId: string | null;
  replyTo: string | null;
  /** Upload ids to attach (claimed before the message is sequenced). */
  files: string[];
  /**
   * An ordered socket's rule (socket/send-order.ts), asked when the send is sequenced, not when
   * it arrived: a send waiting in the queue behind a refused one of its socket must see the hold.
   */
  gate?: SendGate;
};

/**
 * Sends, sequenced in arrival order. A plain send is synchronous. A reply, a mention or a send
 * with files may first read or claim (the parent, the mentioned names, the uploads), so it waits
 * in a queue, and so does every send that arrives while one waits: no send overtakes an earlier
 * one of the same room.
 */
export class SendQueue {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  constructor(
    private readonly writes: RoomWrites,
    private readonly conversation: Conversation,
    private readonly claims: FileClaims,
    private readonly config: Pick<Config, "MESSAGE_MAX_CHARS">,
  ) {}

  /** `defer`: a socket send, written with the others of its turn (group commit). */
  post(user: Actor, r: SendRequest, defer = false): Sent | Promise<Sent> {
    const waits = (q: SendRequest) => q.files.length > 0 || Conversation.wants(q.content, q.replyTo);
    // Rules older than the global list's bound are read again first (moderation's `fresh`).
    const stale = this.writes.moderation.stale;
    const { gate } = r;
    if (this.waiting === 0 && !waits(r) && !stale) {
      try {
        gate?.admit();
        return this.seen(user, this.writes.post(user, r.content, r.clientId, undefined, defer));
      } catch (err) {
        gate?.refused(err);
        throw err;
      }
    }
    this.waiting++;
    const sent = this.tail.then(async () => {
      // The hold is set before this send settles, so before the next one in the queue starts.
      try {
        gate?.admit();
        await this.writes.moderation.fresh();
        return await (r.files.length > 0
          ? this.withFiles(user, r)
          : Conversation.wants(r.content, r.replyTo)
            ? this.conversation.post(user, r.content, r.clientId, r.replyTo)
            : this.writes.post(user, r.content, r.clientId, undefined, defer));
      } catch (err) {
        gate?.refused(err);
        throw err;
      }
    });
    this.tail = sent.then(
      () => undefined,
      () => undefined,
    );
    return sent
      .then((s) => this.seen(user, s))
      .finally(() => {
        this.waiting--;
      });
  }

  /**
   * The sender's answer shows their message as their history does: a reply's quote of someone they
   * blocked, or of a message hidden from them, is hidden (moderation/hidden.ts `quotedFor`).
   */
  private seen(user: Actor, s: Sent): Sent {
    const event = this.writes.moderation.hidden.quotedFor(s.event, user.user.id);
    return event === s.event ? s : { ...s, event };
  }

  /** A retry answers its first message before anything is claimed; a refused send frees its claim. */
  private async withFiles(user: Actor, r: SendRequest): Promise<Sent> {
    const prior = this.writes.prior(user.user.id, r.clientId);
    if (prior) return { event: prior, duplicate: true };
    checkContent(r.content, this.config.MESSAGE_MAX_CHARS, true);
    const claimed = await this.claims.claim(user.user.id, r.files);
    try {
      return Conversation.wants(r.content, r.replyTo)
        ? await this.conversation.post(user, r.content, r.clientId, r.replyTo, claimed)
        : this.writes.post(user, r.content, r.clientId, { reply_to: null, data: null, claimed });
    } catch (err) {
      await this.claims.release(claimed).catch((e: unknown) => console.error("releasing a claim failed", e));
      throw err;
    }
  }
}
