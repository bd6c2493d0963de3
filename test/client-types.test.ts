import { describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type * as client from "../src/protocol/rest";
import {
  LoginOutSchema,
  MessageOutSchema,
  RoomOutSchema,
  RoomSummaryOutSchema,
  UserOutSchema,
} from "../src/protocol/rest";
import type { MessageSchema, RoomSchema, RoomSummarySchema, UserSchema } from "../src/routes/schemas";
import { api } from "./helpers";

type Component = { properties?: Record<string, unknown>; allOf?: Array<Component & { $ref?: string }> };
type OpenApiDocument = { components: { schemas: Record<string, Component> } };

/** The fields a component of the document names, through `allOf` and `$ref` (an extended schema). */
function fieldsOf(doc: OpenApiDocument, c: Component & { $ref?: string }): string[] {
  if (c.$ref) return fieldsOf(doc, doc.components.schemas[c.$ref.split("/").at(-1) ?? ""] ?? {});
  return [...Object.keys(c.properties ?? {}), ...(c.allOf ?? []).flatMap((part) => fieldsOf(doc, part))];
}

/**
 * The typed client's REST types are the server's own: client/src/api.ts re-exports those of
 * src/protocol/rest.ts (imported here directly: the client's own modules need the DOM). These fail
 * when they drift: at compile time (`npm run typecheck`) when a route's schema and the client's
 * type differ, and here when /openapi.json describes other fields than the client knows.
 */
describe("the typed client's REST types", () => {
  it("are the routes' own types", () => {
    expectTypeOf<client.User>().toEqualTypeOf<z.infer<typeof UserSchema>>();
    expectTypeOf<client.Room>().toEqualTypeOf<z.infer<typeof RoomSchema>>();
    expectTypeOf<client.RoomSummary>().toEqualTypeOf<z.infer<typeof RoomSummarySchema>>();
    expectTypeOf<client.Message>().toEqualTypeOf<z.infer<typeof MessageSchema>>();
  });

  it("name the fields /openapi.json describes, no more and no fewer", async () => {
    const { body } = await api<OpenApiDocument>("GET", "/openapi.json");
    const described = (name: string) => fieldsOf(body, body.components.schemas[name] ?? {}).sort();
    const known = (schema: { shape: object }) => Object.keys(schema.shape).sort();
    expect(described("User")).toEqual(known(UserOutSchema));
    expect(described("Room")).toEqual(known(RoomOutSchema));
    expect(described("Message")).toEqual(known(MessageOutSchema));
    expect(described("RoomSummary")).toEqual(known(RoomSummaryOutSchema));
    expect(described("LoginResponse")).toEqual(known(LoginOutSchema));
  });
});
