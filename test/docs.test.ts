import { describe, expect, it } from "vitest";
import { api } from "./helpers";

describe("OpenAPI and Swagger UI", () => {
  it("serves an OpenAPI 3.1 document with every route of the original service", async () => {
    const res = await api("GET", "/openapi.json");
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
    const ops = Object.entries(res.body.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, m]) => Object.keys(m).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(ops).toEqual(
      expect.arrayContaining([
        "POST /auth/login",
        "POST /auth/token",
        "POST /user/signup",
        "GET /user/users",
        "PUT /user/update/{user_id}",
        "POST /user/update_password",
        "POST /room/",
        "GET /room/rooms",
        "GET /room/{room_id}",
        "PATCH /room/{room_id}",
        "DELETE /room/{room_id}",
        "POST /message/rooms/{room_id}/messages",
        "GET /message/rooms/{room_id}/messages",
      ]),
    );
    expect(res.body.components.securitySchemes.oauth2.flows.password.tokenUrl).toBe("/auth/token");
    expect(res.body.components.securitySchemes.bearerAuth.scheme).toBe("bearer");
  });

  it("gives every operation a unique operationId, for generated clients", async () => {
    const { body } = await api("GET", "/openapi.json");
    const ops = Object.entries(
      body.paths as Record<string, Record<string, { operationId?: string }>>,
    ).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ at: `${method} ${path}`, id: op.operationId })),
    );
    expect(ops.filter((op) => !/^[a-z][A-Za-z]+$/.test(op.id ?? "")).map((op) => op.at)).toEqual([]);
    expect(new Set(ops.map((op) => op.id)).size).toBe(ops.length);
    expect(ops.map((op) => op.id)).toEqual(
      expect.arrayContaining(["login", "listMyRooms", "sendMessage", "connectRoomSocket"]),
    );
  });

  it("shows each error response with a code it really answers", async () => {
    const { body } = await api("GET", "/openapi.json");
    type Op = { responses: Record<string, { content?: Record<string, { examples?: Record<string, any> }> }> };
    const codesByStatus = new Map<string, Set<string>>();
    for (const methods of Object.values(body.paths as Record<string, Record<string, Op>>)) {
      for (const op of Object.values(methods)) {
        for (const [status, res] of Object.entries(op.responses)) {
          if (!status.startsWith("4")) continue;
          const examples = res.content?.["application/json"]?.examples;
          if (!examples) continue;
          for (const ex of Object.values(examples)) {
            const set = codesByStatus.get(status) ?? new Set();
            set.add(ex.value.error.code);
            codesByStatus.set(status, set);
          }
        }
      }
    }
    expect([...(codesByStatus.get("401") ?? [])]).toEqual(["unauthorized"]);
    expect(codesByStatus.get("422")).toEqual(new Set(["validation_error", "invalid_text"]));
    expect(codesByStatus.get("429")).toEqual(new Set(["too_many_attempts", "rate_limited"]));
    expect(codesByStatus.get("409")).toEqual(
      new Set([
        "username_taken",
        "email_taken",
        "owner_protected",
        "user_banned",
        "cannot_ban_self",
        "message_deleted",
      ]),
    );
    expect(codesByStatus.get("404")).toContain("not_found");
    for (const [status, codes] of codesByStatus)
      if (status !== "404") expect(codes).not.toContain("not_found");
  });

  it("serves Swagger UI at /docs", async () => {
    const res = await api("GET", "/docs");
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/swagger/i);
    // Pinned assets from this worker, never a CDN (the page must work offline).
    expect(res.body).toContain('src="/vendor/swagger-ui-dist/swagger-ui-bundle.js"');
    expect(res.body).not.toMatch(/https?:\/\//);
  });

  it("answers an unknown route with the error shape", async () => {
    const res = await api("GET", "/nope");
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("route_not_found");
  });
});
