// REST baseline: the service a Node developer would typically write for Roomcast's three most
// frequent REST calls — Fastify, a `pg` Pool of 10, JWT verification (jose) plus a user lookup per
// request — on the same schema (Roomcast's migrations) and the same embedded PostgreSQL. Same
// paths, same tokens (issuer, audience, key), same access rules (public rooms: anyone signed in
// reads, posting joins; private: members only, 404 to others; banned: 403).
// Usage: tsx rest-pg.ts <port|0> <database url> <secret key> <issuer> <audience>; announces its
// port over IPC.
import { pbkdf2 } from "node:crypto";
import { promisify } from "node:util";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import { jwtVerify, SignJWT } from "jose";
import pg from "pg";
import { ulid } from "ulidx";

const [port, databaseUrl, secret, issuer, audience] = process.argv.slice(2);
const key = new TextEncoder().encode(secret);
const claims = { issuer: issuer ?? "roomcast", audience: audience ?? "roomcast-api" };
const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });

type User = { id: number; username: string; is_admin: boolean };
type Room = { id: number; name: string; description: string | null; kind: string; owner_id: number };

const fail = (reply: FastifyReply, status: number, code: string) =>
  reply.code(status).send({ error: { code, message: code } });

/** JWT, then the user row: active, and the token version still current (revocation). */
async function authenticate(req: FastifyRequest): Promise<User | null> {
  const token = req.headers.authorization?.replace(/^Bearer /, "");
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, key, { algorithms: ["HS256"], ...claims });
    const { rows } = await pool.query<User & { is_active: boolean; token_version: number }>(
      "select id, username, is_admin, is_active, token_version from users where id = $1",
      [Number(payload.sub)],
    );
    const user = rows[0];
    return user?.is_active && user.token_version === payload.ver ? user : null;
  } catch {
    return null;
  }
}

/** The room if `user` may read it, with their role; null when it does not exist for them. */
async function access(user: User, roomId: number) {
  const { rows } = await pool.query<Room & { role: string | null; banned: boolean }>(
    `select r.id, r.name, r.description, r.kind, r.owner_id, m.role, b.user_id is not null as banned
       from rooms r
       left join room_members m on m.room_id = r.id and m.user_id = $2
       left join room_bans b on b.room_id = r.id and b.user_id = $2
      where r.id = $1`,
    [roomId, user.id],
  );
  const row = rows[0];
  if (!row || (row.kind !== "public" && row.role === null && !user.is_admin)) return null;
  return row;
}

const app = Fastify();
app.decorateRequest("user", null);
declare module "fastify" {
  interface FastifyRequest {
    user: User | null;
  }
}

app.addHook("onRequest", async (req, reply) => {
  if (req.url === "/health" || req.url === "/auth/login") return;
  req.user = await authenticate(req);
  if (!req.user) return fail(reply, 401, "unauthorized");
});

app.get("/health", async () => ({ ok: true }));

app.post<{ Body: { username: string; password: string } }>("/auth/login", async (req, reply) => {
  const { rows } = await pool.query<{ id: number; password_hash: string; token_version: number }>(
    "select id, password_hash, token_version from users where lower(username) = lower($1) and is_active",
    [req.body.username],
  );
  const user = rows[0];
  const [, iterations, salt, hash] = (user?.password_hash ?? "").split("$");
  const derived = await promisify(pbkdf2)(
    req.body.password,
    Buffer.from(salt ?? "", "base64"),
    Number(iterations) || 100_000,
    32,
    "sha256",
  );
  if (!user || derived.toString("base64") !== hash) return fail(reply, 401, "invalid_credentials");
  const token = await new SignJWT({ ver: user.token_version })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(String(user.id))
    .setIssuer(claims.issuer)
    .setAudience(claims.audience)
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(key);
  return { access_token: token, token_type: "bearer" };
});

app.get<{ Params: { id: string } }>("/room/:id", async (req, reply) => {
  const room = await access(req.user as User, Number(req.params.id));
  if (!room) return fail(reply, 404, "not_found");
  const { role: _role, banned: _banned, ...body } = room;
  return body;
});

app.get<{ Params: { id: string }; Querystring: { limit?: string } }>(
  "/message/rooms/:id/messages",
  async (req, reply) => {
    const room = await access(req.user as User, Number(req.params.id));
    if (!room) return fail(reply, 404, "not_found");
    if (room.banned) return fail(reply, 403, "banned");
    const limit = Math.min(100, Math.max(1, Number(req.query.limit ?? 50)));
    const { rows } = await pool.query(
      `select m.id, m.room_id, m.seq, m.user_id, u.username, m.content, m.client_id, m.created_at, m.edited_at
         from messages m left join users u on u.id = m.user_id
        where m.room_id = $1 and m.kind = 'message'
        order by m.seq desc limit $2`,
      [room.id, limit],
    );
    return rows.reverse();
  },
);

app.post<{ Params: { id: string }; Body: { content: string; client_id?: string } }>(
  "/message/rooms/:id/messages",
  async (req, reply) => {
    const user = req.user as User;
    const room = await access(user, Number(req.params.id));
    if (!room) return fail(reply, 404, "not_found");
    if (room.banned) return fail(reply, 403, "banned");
    const content = req.body?.content;
    if (typeof content !== "string" || content.length === 0 || content.length > 4000)
      return fail(reply, 422, "validation_error");
    if (room.role === null) {
      if (room.kind !== "public") return fail(reply, 403, "not_a_member");
      await pool.query("insert into room_members (room_id, user_id) values ($1, $2) on conflict do nothing", [
        room.id,
        user.id,
      ]);
    }
    // The per-room seq is taken under a lock on the room's row, so concurrent posts stay gapless.
    const client = await pool.connect();
    try {
      await client.query("begin");
      await client.query("select 1 from rooms where id = $1 for update", [room.id]);
      const { rows } = await client.query(
        `insert into messages (id, room_id, seq, user_id, content, client_id)
         select $1, $2, coalesce(max(seq), 0) + 1, $3, $4, $5 from messages where room_id = $2
         returning id, room_id, seq, user_id, content, client_id, created_at`,
        [ulid(), room.id, user.id, content, req.body.client_id ?? null],
      );
      await client.query("commit");
      return reply.code(201).send({ ...rows[0], username: user.username, edited_at: null, deleted: false });
    } catch (err) {
      await client.query("rollback");
      throw err;
    } finally {
      client.release();
    }
  },
);

const address = await app.listen({ port: Number(port ?? 0), host: "127.0.0.1" });
process.send?.({ port: Number(new URL(address).port) });
