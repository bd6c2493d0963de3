import { z } from "@hono/zod-openapi";
import { and, count, desc, eq, isNull } from "drizzle-orm";
import { ApiActions, mintApiKey } from "../auth/api-key";
import type { UserScope } from "../context";
import { uniqueViolation } from "../db/errors";
import { apiKeys } from "../db/reach-schema";
import { type UserRow, users } from "../db/schema";
import { AppError, notFound } from "../errors";
import { CloseCode } from "../protocol";
import { roomStub } from "../room";
import { Username } from "../routes/schemas";
import { deleteUser } from "./users";

export const MAX_BOTS_PER_OWNER = 10;
export const MAX_KEYS_PER_BOT = 10;

export const BotInput = z.object({ username: Username }).openapi("BotInput");
export const BotSchema = z
  .object({
    id: z.number().int(),
    username: z.string(),
    is_bot: z.literal(true),
    owner_id: z.number().int(),
    created_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Bot");

export const ApiKeyInput = z
  .object({
    rooms: z.array(z.number().int().positive()).min(1).max(100),
    actions: z.array(z.enum(ApiActions)).min(1).max(3),
  })
  .openapi("ApiKeyInput");
export const ApiKeySchema = z
  .object({
    id: z.string(),
    rooms: z.array(z.number().int()),
    actions: z.array(z.enum(ApiActions)),
    created_at: z.string().openapi({ format: "date-time" }),
    revoked_at: z.string().nullable().openapi({ format: "date-time" }),
  })
  .openapi("ApiKey");
export const CreatedApiKeySchema = ApiKeySchema.extend({
  key: z.string().openapi({ description: "rck_…: use as `Authorization: Bearer <key>`. Shown only now." }),
}).openapi("CreatedApiKey");

const toBot = (u: UserRow) => ({
  id: u.id,
  username: u.username,
  is_bot: true as const,
  owner_id: u.botOwnerId ?? 0,
  created_at: u.createdAt.toISOString(),
});
const toKey = (k: typeof apiKeys.$inferSelect) => ({
  id: k.id,
  rooms: k.rooms,
  actions: k.actions as (typeof ApiActions)[number][],
  created_at: k.createdAt.toISOString(),
  revoked_at: k.revokedAt?.toISOString() ?? null,
});

/**
 * A bot: a user that cannot sign in with a password (it has none), owned by its creator. Bots
 * cannot manage bots: an API key reaches only the room routes (auth/api-key-routes.ts).
 */
export async function createBot(s: UserScope, username: string) {
  const [n] = await s.db.select({ n: count() }).from(users).where(eq(users.botOwnerId, s.user.id));
  if ((n?.n ?? 0) >= MAX_BOTS_PER_OWNER)
    throw new AppError("bot_limit", 409, `At most ${MAX_BOTS_PER_OWNER} bots per owner`);
  try {
    const [row] = await s.db
      .insert(users)
      .values({
        username,
        email: `${username.toLowerCase()}@bots.invalid`,
        passwordHash: "!bot",
        isBot: true,
        botOwnerId: s.user.id,
      })
      .returning();
    if (!row) throw new Error("insert returned nothing");
    return toBot(row);
  } catch (err) {
    if (uniqueViolation(err) !== undefined)
      throw new AppError("username_taken", 409, "That username is taken");
    throw err;
  }
}

export async function listBots(s: UserScope) {
  const rows = await s.db.select().from(users).where(eq(users.botOwnerId, s.user.id)).orderBy(users.id);
  return rows.map(toBot);
}

/** The bot, if the caller owns it (or is a global admin); else it does not exist for them. */
async function ownedBot(s: UserScope, botId: number) {
  const [bot] = await s.db
    .select()
    .from(users)
    .where(and(eq(users.id, botId), eq(users.isBot, true)));
  if (!bot || (bot.botOwnerId !== s.user.id && !s.user.isAdmin)) throw notFound("Bot");
  return bot;
}

export async function deleteBot(s: UserScope, botId: number) {
  await ownedBot(s, botId);
  // As the account deletion any user may do to themself: sockets close, messages stay.
  await deleteUser({ ...s, user: { ...s.user, id: botId } }, botId);
}

export async function createKey(s: UserScope, botId: number, input: z.infer<typeof ApiKeyInput>) {
  await ownedBot(s, botId);
  const [n] = await s.db
    .select({ n: count() })
    .from(apiKeys)
    .where(and(eq(apiKeys.userId, botId), isNull(apiKeys.revokedAt)));
  if ((n?.n ?? 0) >= MAX_KEYS_PER_BOT)
    throw new AppError("api_key_limit", 409, `At most ${MAX_KEYS_PER_BOT} active keys per bot`);
  const minted = await mintApiKey();
  const [row] = await s.db
    .insert(apiKeys)
    .values({
      id: minted.id,
      userId: botId,
      hash: minted.hash,
      rooms: [...new Set(input.rooms)],
      actions: [...new Set(input.actions)],
    })
    .returning();
  if (!row) throw new Error("insert returned nothing");
  return { ...toKey(row), key: minted.key };
}

export async function listKeys(s: UserScope, botId: number) {
  await ownedBot(s, botId);
  const rows = await s.db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.userId, botId))
    .orderBy(desc(apiKeys.createdAt));
  return rows.map(toKey);
}

/**
 * Revokes a key: the next request made with it is refused (401), and the bot's open sockets in the
 * key's rooms close with 4401 (a socket does not remember which key opened it; one opened with
 * another, valid key reconnects with it).
 */
export async function revokeKey(s: UserScope, botId: number, keyId: string) {
  await ownedBot(s, botId);
  const [row] = await s.db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.userId, botId), isNull(apiKeys.revokedAt)))
    .returning();
  if (!row) throw notFound("API key");
  await Promise.all(
    row.rooms.map((id) => roomStub(s.env, id).closeUser(botId, CloseCode.unauthorized, "api key revoked")),
  );
  return toKey(row);
}
