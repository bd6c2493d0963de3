import { zodToOpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import { describe, expect, it } from "vitest";
import { newRoom, newUser } from "./helpers";
import { connect } from "./socket";

/** Schemas zod-to-openapi keeps for good: every `.openapi()` call adds one (zod's registry map). */
const registered = () => (zodToOpenAPIRegistry as unknown as { _map: Map<unknown, unknown> })._map.size;

describe("an idle socket's memory (issue 25)", () => {
  it("opening room sockets registers no schema: nothing of an upgrade stays in the isolate for good", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    (await connect(room.id, alice.token)).socket.close();
    const before = registered();
    for (let i = 0; i < 8; i++) (await connect(room.id, alice.token)).socket.close();
    expect(registered()).toBe(before);
  });
});
