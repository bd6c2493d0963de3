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
