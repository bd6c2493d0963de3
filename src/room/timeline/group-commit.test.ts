import { describe, expect, it } from "vitest";
import type { EventRow } from "../../domain/event-rows";
import { bindingsOf, COLUMNS } from "./group-commit";

describe("the event rows' INSERT", () => {
  it("binds every column's value in the order the statement names the columns", () => {
    const row: EventRow = {
      seq: 7,
      id: "01J0000000000000000000000A",
      kind: "message",
      target_id: "t",
      user_id: 3,
      username: "alice",
      content: "hello",
      client_id: "c1",
      created_at: 1_796_000_000_000,
      edited_at: null,
      deleted_at: null,
      reply_to: "r",
      data: "{}",
    };
    expect(bindingsOf(row)).toEqual(COLUMNS.map((c) => row[c]));
  });
});
