// npm run admin -- --username U --password P [--email E]
// Creates a global admin, or promotes an existing user (and sets the password when given).
import { parseArgs } from "node:util";
import { eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { hashPassword } from "../src/auth/password";
import { users } from "../src/db/schema";
import { openLocalDatabase } from "./lib/local-db";
import { applyMigrations } from "./lib/migrate";
import { fail } from "./lib/setup-error";

const { values } = parseArgs({
  options: { username: { type: "string" }, password: { type: "string" }, email: { type: "string" } },
});
if (!values.username) {
  console.error("usage: npm run admin -- --username U --password P [--email E]");
  process.exit(2);
}
if (values.password !== undefined && values.password.length < 8) {
  console.error("the password must be at least 8 characters");
  process.exit(2);
}
const iterations = Number(process.env.PBKDF2_ITERATIONS || 100_000);

const local = await openLocalDatabase((line) => console.log(`  ${line}`)).catch(fail);
const client = new pg.Client({ connectionString: local.url });
try {
  await applyMigrations(local.url);
  await client.connect();
  const db = drizzle(client);
  const username = values.username;
  const [existing] = await db
    .select()
    .from(users)
    .where(eq(sql`lower(${users.username})`, username.toLowerCase()));
  if (existing) {
    await db
      .update(users)
      .set({
        isAdmin: true,
        isActive: true,
        ...(values.password && {
          passwordHash: await hashPassword(values.password, iterations),
          tokenVersion: sql`${users.tokenVersion} + 1`,
        }),
        ...(values.email && { email: values.email.toLowerCase() }),
        updatedAt: new Date(),
      })
      .where(eq(users.id, existing.id));
    console.log(`${existing.username} (id ${existing.id}) is now a global admin`);
  } else {
    if (!values.password) {
      console.error(`no user ${username}: give --password to create one`);
      process.exitCode = 2;
    } else {
      const [row] = await db
        .insert(users)
        .values({
          username,
          email: (values.email ?? `${username}@localhost`).toLowerCase(),
          passwordHash: await hashPassword(values.password, iterations),
          isAdmin: true,
        })
        .returning();
      console.log(`created global admin ${row?.username} (id ${row?.id})`);
    }
  }
} finally {
  await client.end().catch(() => {});
  await local.stop();
}
