import { defineConfig } from "drizzle-kit";

// `npm run db:generate` diffs src/db/schema.ts (and people-schema.ts) against migrations/ and writes the next SQL file.
// `npm run db:migrate` applies them (the dev and test set-up apply them too, see scripts/).
export default defineConfig({
  dialect: "postgresql",
  schema: [
    "./src/db/schema.ts",
    "./src/db/files-schema.ts",
    "./src/db/reach-schema.ts",
    "./src/db/moderation-schema.ts",
    "./src/db/people-schema.ts",
  ],
  out: "./migrations",
  dbCredentials: { url: process.env.DATABASE_URL ?? "postgres://postgres:postgres@127.0.0.1:54329/roomcast" },
});
