import { describe, expect, it } from "vitest";
import type { StoredParent } from "../../domain/event-rows";
import type { MessageEvent } from "../../protocol";
import { quoteAs } from "./hidden";

const BOB = 2;
const reply = (parent: StoredParent): MessageEvent => ({
  type: "message",
  room_id: 1,
  seq: 2,
  id: "reply",
  user_id: BOB,
  username: "bob",
  content: "answer",
  client_id: null,
  created_at: "2026-01-01T00:00:00.000Z",
  edited_at: null,
  deleted: false,
  reply_to: "root",
  parent,
  mentions: [],
  reply_count: 0,
  last_reply_at: null,
  reactions: [],
  attachments: [],
});
const quote = { id: "root", user_id: BOB, username: "bob", excerpt: "ghost", deleted: false };
const hiddenQuote = {
  id: "root",
  user_id: null,
  username: null,
  excerpt: null,
  deleted: false,
  hidden: true,
};
const reader = (id: number, blocked: number[] = []) => ({
  id,
  hides: (author: number | null) => author !== null && blocked.includes(author),
});

describe("what a reply shows of the message it quotes (quoteAs)", () => {
  it("a quote of a message hidden from all but one user is that user's alone, and never says so", () => {
    const e = reply({ ...quote, only: BOB });
    expect(quoteAs(e, reader(BOB)).parent).toEqual(quote);
    expect(quoteAs(e, reader(3)).parent).toEqual(hiddenQuote);
    expect(JSON.stringify(quoteAs(e, reader(BOB)))).not.toContain("only");
  });

  it("a quote of someone the reader blocked is hidden; anyone else's is shown as it is", () => {
    const e = reply(quote);
    expect(quoteAs(e, reader(3, [BOB])).parent).toEqual(hiddenQuote);
    expect(quoteAs(e, reader(3, [4]))).toBe(e);
  });
});
