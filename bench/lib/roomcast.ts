// Users, tokens and rooms for the bench, made the product's way: password hashes by
// src/auth/password.ts, tokens signed by src/auth/tokens.ts with the servers' own key.
import type pg from "pg";
import { hashPassword } from "../../src/auth/password";

/** The part of src/auth/tokens.ts's `issueAccessToken` the bench relies on. */
type IssueAccessToken = (
  config: { SECRET_KEY: string; JWT_ISSUER: string; JWT_AUDIENCE: string; ACCESS_TOKEN_TTL_SECONDS: number },
  claims: { userId: number; tokenVersion: number; sessionId: string },
) => Promise<{ access_token: string }>;

// Loaded by a path tsc does not follow: tokens.ts imports the worker's Config type, whose module
// graph (env.ts → room/) only type-checks against the Workers types, not Node's. At run time the
// bench signs with the product's own function; a changed contract fails the run's first request.
const TOKENS_MODULE = "../../src/auth/tokens.ts";

export const BENCH_PASSWORD = "bench-password-1";

export type BenchUser = { id: number; username: string };

/** Inserts `count` users (ids 1..count in a fresh database) with the bench password. */
export async function seedUsers(sql: pg.Pool, count: number, passwordHash: string): Promise<BenchUser[]> {
  const { rows } = await sql.query<BenchUser>(
    `insert into users (username, email, password_hash)
     select 'bench' || g, 'bench' || g || '@bench.test', $1 from generate_series(1, $2) g
     returning id, username`,
    [passwordHash, count],
  );
  return rows;
}

export const benchPasswordHash = () => hashPassword(BENCH_PASSWORD);

/**
 * One access token per user, valid for a whole full run; `claims` are the servers' [vars]. A token
 * names a live session (`sid`), so each user gets a session row in Roomcast's database first, as a
 * login would make.
 */
export async function signTokens(
  sql: pg.Pool,
  secretKey: string,
  claims: { issuer: string; audience: string },
  users: BenchUser[],
): Promise<string[]> {
  const { issueAccessToken } = (await import(TOKENS_MODULE)) as { issueAccessToken: IssueAccessToken };
  await sql.query(
    `insert into sessions (id, user_id, expires_at)
     select 'bench-' || id, id, now() + interval '1 day' from unnest($1::int[]) id
     on conflict (id) do nothing`,
    [users.map((u) => u.id)],
  );
  const config = {
    SECRET_KEY: secretKey,
    JWT_ISSUER: claims.issuer,
    JWT_AUDIENCE: claims.audience,
    ACCESS_TOKEN_TTL_SECONDS: 6 * 3600,
  };
  return Promise.all(
    users.map(
      async (u) =>
        (await issueAccessToken(config, { userId: u.id, tokenVersion: 0, sessionId: `bench-${u.id}` }))
          .access_token,
    ),
  );
}

/** The REST calls the bench makes on a Roomcast server to set rooms up. */
export function roomcastApi(base: string, token: string) {
  const headers = { "content-type": "application/json", authorization: `Bearer ${token}` };
  return {
    async createRoom(name: string): Promise<number> {
      const res = await fetch(`${base}/room/`, { method: "POST", headers, body: JSON.stringify({ name }) });
      if (res.status !== 201) throw new Error(`room create: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { id: number }).id;
    },
    async post(roomId: number, content: string): Promise<void> {
      const res = await fetch(`${base}/message/rooms/${roomId}/messages`, {
        method: "POST",
        headers,
        body: JSON.stringify({ content }),
      });
      if (res.status !== 201) throw new Error(`post: ${res.status} ${await res.text()}`);
    },
  };
}
