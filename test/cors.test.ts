import { describe, expect, it } from "vitest";
import { originAllowed } from "../src/cors";
import { api } from "./helpers";

const preflight = (origin: string) =>
  api("OPTIONS", "/auth/login", {
    headers: {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type,authorization",
    },
  });

describe("CORS", () => {
  it("answers a preflight from a local origin with the allowed method, headers and a cache age", async () => {
    const res = await preflight("http://localhost:5173");
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toBe("authorization,content-type");
    expect(res.headers.get("access-control-max-age")).toBe("7200");
  });

  it("gives a foreign origin no access-control-allow-origin when ALLOWED_ORIGINS is unset", async () => {
    const res = await preflight("https://evil.example");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const get = await api("GET", "/health", { headers: { origin: "https://evil.example" } });
    expect(get.headers.get("access-control-allow-origin")).toBeNull();
    const local = await api("GET", "/health", { headers: { origin: "http://127.0.0.1:3000" } });
    expect(local.headers.get("access-control-allow-origin")).toBe("http://127.0.0.1:3000");
  });

  it("reads ALLOWED_ORIGINS as exact origins, or * for any", () => {
    const list = "https://chat.example.com, https://staging.example.com/";
    expect(originAllowed("https://chat.example.com", list)).toBe(true);
    expect(originAllowed("https://staging.example.com", list)).toBe(true);
    expect(originAllowed("http://localhost:5173", list)).toBe(false);
    expect(originAllowed("https://chat.example.com.evil.example", list)).toBe(false);
    expect(originAllowed("https://anything.example", "*")).toBe(true);
    expect(originAllowed("http://localhost.evil.example", undefined)).toBe(false);
  });
});
