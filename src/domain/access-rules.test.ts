import { describe, expect, it } from "vitest";
import type { RoomRow } from "../db/schema";
import {
  isModerator,
  type Membership,
  reader,
  refuseDirect,
  roomAdmin,
  visible,
  writer,
} from "./access-rules";

const room = (kind: RoomRow["kind"]): RoomRow => ({
  id: 1,
  name: "r",
  description: null,
  kind,
  dmKey: null,
  ownerId: 1,
  createdAt: new Date(0),
  updatedAt: new Date(0),
});
const none: Membership = { role: null, banned: false };
const member: Membership = { role: "member", banned: false };
const banned: Membership = { role: "member", banned: true };
const user = { isAdmin: false };
const admin = { isAdmin: true };

/** The refusal's code, or "ok". */
const outcome = (rule: () => unknown) => {
  try {
    rule();
    return "ok";
  } catch (err) {
    return (err as { code?: string }).code;
  }
};

describe("who may see a room", () => {
  it.each([
    ["public", none, user, "ok"],
    ["private", none, user, "not_found"],
    ["direct", none, user, "not_found"],
    ["private", member, user, "ok"],
    ["private", none, admin, "ok"],
  ] as const)("%s room, %o, %o: %s", (kind, m, who, expected) => {
    expect(outcome(() => visible(room(kind), m, who))).toBe(expected);
  });

  it("a room that does not exist is not found, for global admins too", () => {
    expect(outcome(() => visible(undefined, none, admin))).toBe("not_found");
  });
});

describe("who may read and write", () => {
  it("a banned user reads nothing; a private room stays not found to them", () => {
    expect(outcome(() => reader(room("public"), banned, user))).toBe("banned");
    expect(outcome(() => reader(room("private"), { role: null, banned: true }, user))).toBe("not_found");
  });

  it("a non-member joins a public room on the way in, unless joining is off", () => {
    expect(writer(room("public"), none, user)).toMatchObject({ role: "member", joins: true });
    expect(outcome(() => writer(room("public"), none, user, false))).toBe("not_a_member");
    expect(writer(room("private"), member, user)).toMatchObject({ role: "member", joins: false });
  });

  it("a global admin sees a private room but must be added to post", () => {
    expect(outcome(() => writer(room("private"), none, admin))).toBe("not_a_member");
  });
});

describe("who moderates", () => {
  it("the owner, room admins and global admins; not members", () => {
    expect(isModerator({ isAdmin: false, role: "owner" })).toBe(true);
    expect(isModerator({ isAdmin: false, role: "admin" })).toBe(true);
    expect(isModerator({ isAdmin: true, role: null })).toBe(true);
    expect(isModerator({ isAdmin: false, role: "member" })).toBe(false);
    expect(outcome(() => roomAdmin(room("public"), member, user))).toBe("forbidden");
    expect(outcome(() => roomAdmin(room("public"), { role: "admin", banned: false }, user))).toBe("ok");
  });

  it("direct rooms refuse what would change who is in them", () => {
    const access = { room: room("direct"), ...member };
    expect(outcome(() => refuseDirect(access, "joined"))).toBe("direct_room");
    expect(outcome(() => refuseDirect({ ...access, room: room("private") }, "joined"))).toBe("ok");
  });
});
