import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { api, type Message, newRoom, newUser } from "./helpers";

/**
 * Property: no input a client can send to any route of the OpenAPI document is answered with a
 * 5xx. Routes are read from the document itself, so a new route is covered without anyone
 * remembering to add it here.
 */
type Schema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, Schema>;
  anyOf?: Schema[];
  oneOf?: Schema[];
};
type Param = { in: string; name: string; schema?: Schema };
type Op = { requestBody?: { content?: Record<string, { schema?: Schema }> }; parameters?: Param[] };
type Operation = { method: string; path: string; params: Param[]; body: Schema | undefined; form: boolean };

async function operations(): Promise<{ ops: Operation[]; resolve: (s: Schema) => Schema }> {
  const doc = (await api("GET", "/openapi.json")).body as {
    paths: Record<string, Record<string, Op>>;
    components?: { schemas?: Record<string, Schema> };
  };
  const resolve = (s: Schema): Schema =>
    s.$ref ? resolve(doc.components?.schemas?.[s.$ref.split("/").at(-1) ?? ""] ?? {}) : s;
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const content = op.requestBody?.content ?? {};
      const form = content["application/x-www-form-urlencoded"];
      return {
        method: method.toUpperCase(),
        path,
        params: op.parameters ?? [],
        body: (content["application/json"] ?? form)?.schema,
        form: form !== undefined,
      };
    }),
  );
  return { ops, resolve };
}

/** Strings that have broken services before: NULs, lone surrogates, odd numbers, huge text. */
const nasty = fc.oneof(
  fc.constantFrom(
    "\u0000",
    "a\u0000b",
    "\ud800",
    "x\udc00y",
    "0x10",
    " 1",
    "1e309",
    "-1",
    "0",
    "",
    "NaN",
    "99999999999999999999",
    "%00",
    "../..",
    "😀",
    "null",
  ),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.string({ minLength: 5000, maxLength: 5000 }),
);
const anyValue = fc.oneof(
  nasty,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(nasty, { maxLength: 3 }),
);

/**
 * Structure-aware: a value that mostly fits the schema (so the request gets past validation and
 * reaches the code behind it), with bad values mixed into some fields.
 */
function fitting(s: Schema | undefined, resolve: (s: Schema) => Schema): fc.Arbitrary<unknown> {
  if (!s) return anyValue;
  const r = resolve(s);
  const alt = r.anyOf ?? r.oneOf;
  if (alt) return fc.oneof(...alt.map((a) => fitting(a, resolve)));
  if (r.enum) return fc.oneof(fc.constantFrom(...r.enum), nasty);
  const type = Array.isArray(r.type) ? r.type[0] : r.type;
  const plausible = {
    string: fc.oneof(fc.constantFrom("hello", "alice_1", "a@b.test", "correct horse battery"), nasty, nasty),
    integer: fc.oneof(fc.integer({ min: 1, max: 50 }), fc.integer(), fc.constant(2 ** 53 + 2), nasty),
    number: fc.oneof(fc.double(), nasty),
    boolean: fc.oneof(fc.boolean(), anyValue),
    array: fc.array(anyValue, { maxLength: 3 }),
  }[type ?? ""];
  if (plausible) return plausible;
  if (r.properties) {
    const props = Object.fromEntries(Object.entries(r.properties).map(([k, v]) => [k, fitting(v, resolve)]));
    return fc.oneof(fc.record(props, { requiredKeys: [] }), anyValue);
  }
  return anyValue;
}

/** Percent-encodes a path segment; a lone surrogate goes out as the raw bytes a hostile client would send. */
function encodeSegment(v: string): string {
  let out = "";
  for (const ch of v) {
    const u = ch.charCodeAt(0);
    if (ch.length === 1 && u >= 0xd800 && u <= 0xdfff) {
      out += [0xe0 | (u >> 12), 0x80 | ((u >> 6) & 0x3f), 0x80 | (u & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join("");
    } else out += encodeURIComponent(ch);
  }
  return out;
}

describe("no client input is a 500", () => {
  it("answers every route of the OpenAPI document with < 500, whatever the path, query and body", async () => {
    const { ops, resolve } = await operations();
    expect(ops.length).toBeGreaterThan(20);
    for (const op of ops) {
      // A fresh user and room per route: destructive routes (delete my account, delete the room)
      // must not starve the others of a valid context.
      const user = await newUser("fuzz");
      const room = await newRoom(user);
      const sent = await api<Message>("POST", `/message/rooms/${room.id}/messages`, {
        token: user.token,
        json: { content: "x" },
      });
      const real: Record<string, string> = {
        room_id: String(room.id),
        user_id: String(user.id),
        message_id: sent.body.id,
      };
      const pathParams = op.params.filter((p) => p.in === "path");
      const queryParams = op.params.filter((p) => p.in === "query");
      await fc.assert(
        fc.asyncProperty(
          fc.record(
            Object.fromEntries(
              pathParams.map((p) => [p.name, fc.oneof(fc.constant(real[p.name] ?? "1"), nasty)]),
            ),
          ),
          fc.record(Object.fromEntries(queryParams.map((p) => [p.name, fitting(p.schema, resolve)])), {
            requiredKeys: [],
          }),
          fitting(op.body, resolve),
          fc.boolean(),
          async (params, query, body, authed) => {
            const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) =>
              encodeSegment(String(params[name])),
            );
            const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
            const form =
              op.form && body && typeof body === "object"
                ? Object.fromEntries(Object.entries(body).map(([k, v]) => [k, String(v)]))
                : undefined;
            const res = await api(op.method, `${path}${qs ? `?${qs}` : ""}`, {
              ...(authed && { token: user.token }),
              ...(op.body && (form ? { form } : { json: body })),
            });
            if (res.status >= 500) {
              throw new Error(
                `${op.method} ${path}?${qs} ${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body)}`,
              );
            }
          },
        ),
        { numRuns: 25, seed: 424242 },
      );
    }
  }, 240_000);
});
