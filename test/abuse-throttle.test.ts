import { describe, expect, it } from "vitest";
import { configuredApi } from "./configured";
import { api, expectError, newUser, unique } from "./helpers";

// Issue 18, items 4, 7 (signups) and 8: the address the throttles count is the connection's or a
// trusted proxy's, never a header a client chose; known devices are not locked out; a password
// check anywhere is throttled like a login.

const octet = () => 1 + Math.floor(Math.random() * 250);
const someAddress = () => `198.51.${octet()}.${octet()}`;
const wrong = () => `wrong-${unique("p")}`;

describe("the login throttle's address", () => {
  it("under plain workerd (TRUSTED_PROXY_HEADER=none) ignores a CF-Connecting-IP the client sends", async () => {
    const victim = await newUser();
    const plain = configuredApi({ TRUSTED_PROXY_HEADER: "none" });
    const attacker = `127.0.0.${octet()}:40000`;
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await plain("POST", "/auth/login", {
        json: { username: victim.username, password: wrong() },
        headers: { "cf-connecting-ip": someAddress() },
        clientIp: attacker,
      });
      statuses.push(res.status);
    }
    // A fresh header per guess buys nothing: the connection is the address.
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    // The real user, on another connection, is not locked out.
    const home = await plain("POST", "/auth/login", {
      json: { username: victim.username, password: victim.password },
      clientIp: "127.0.0.1:50000",
    });
    expect(home.status).toBe(200);
  });

  it("without the proxy's header counts the connection's address, not one 'unknown' for everyone", async () => {
    const victim = await newUser();
    const login = (password: string, clientIp: string) =>
      configuredApi({})("POST", "/auth/login", { json: { username: victim.username, password }, clientIp });
    const attacker = `[::ffff:127.0.${octet()}.9]:41000`;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await login(wrong(), attacker)).status);
    expect(statuses.at(-1)).toBe(429);
    // Another machine (port dropped: one machine is one address, whatever its ports).
    expect((await login(victim.password, "127.0.0.1:41001")).status).toBe(200);
    expect((await login(wrong(), attacker.replace("41000", "41002"))).status).toBe(429);
  });

  it("takes the last entry of a trusted X-Forwarded-For (the one the operator's proxy appended)", async () => {
    const victim = await newUser();
    const proxied = configuredApi({ TRUSTED_PROXY_HEADER: "x-forwarded-for" });
    const attacker = someAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await proxied("POST", "/auth/login", {
        json: { username: victim.username, password: wrong() },
        headers: { "x-forwarded-for": `${someAddress()}, ${attacker}` },
      });
      statuses.push(res.status);
    }
    expect(statuses.at(-1)).toBe(429);
  });
});

describe("a device that logged in before", () => {
  it("is not locked out by failures on the account key from many addresses", async () => {
    const victim = await newUser();
    const home = { "cf-connecting-ip": someAddress() };
    const login = (password: string, headers: Record<string, string>) =>
      api("POST", "/auth/login", { json: { username: victim.username, password }, headers });
    expect((await login(victim.password, home)).status).toBe(200);
    // 55 guesses, each from a fresh address: the account-wide cap (50) blocks the account.
    for (let i = 0; i < 55; i++) await login(wrong(), { "cf-connecting-ip": `203.0.${i}.${octet()}` });
    expectError(
      await login(victim.password, { "cf-connecting-ip": someAddress() }),
      429,
      "too_many_attempts",
    );
    // …but not for the device its owner already uses.
    expect((await login(victim.password, home)).status).toBe(200);
    // 58 PBKDF2 checks, CPU-bound: 15-20 s on a loaded 2-core machine at the production work
    // factor, beyond the default 20 s (the tests run at 10,000: vitest.config.ts).
  }, 60_000);
});

describe("POST /user/update_password", () => {
  it("is throttled like a login: 5 wrong current passwords, then 429 too_many_attempts", async () => {
    const user = await newUser();
    const headers = { "cf-connecting-ip": someAddress() };
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await api("POST", "/user/update_password", {
        token: user.token,
        headers,
        json: { current_password: wrong(), new_password: "another horse battery" },
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([400, 400, 400, 400, 400, 429, 429]);
    const blocked = await api("POST", "/user/update_password", {
      token: user.token,
      headers,
      json: { current_password: user.password, new_password: "another horse battery" },
    });
    expectError(blocked, 429, "too_many_attempts");
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });
});

describe("signups", () => {
  it("are limited per address (SIGNUPS_PER_ADDRESS_PER_HOUR, default 10): 429 too_many_signups", async () => {
    const defaults = configuredApi({ SIGNUPS_PER_ADDRESS_PER_HOUR: undefined });
    const headers = { "cf-connecting-ip": someAddress() };
    const signup = () => {
      const username = unique("s");
      return defaults("POST", "/user/signup", {
        headers,
        json: { username, email: `${username}@example.test`, password: "correct horse battery" },
      });
    };
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await signup()).status);
    expect(statuses).toEqual([...Array(10).fill(201), 429]);
    const refused = await signup();
    expectError(refused, 429, "too_many_signups");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(60);
    // Another address still signs up.
    const username = unique("s");
    const other = await defaults("POST", "/user/signup", {
      headers: { "cf-connecting-ip": someAddress() },
      json: { username, email: `${username}@example.test`, password: "correct horse battery" },
    });
    expect(other.status).toBe(201);
  });
});
