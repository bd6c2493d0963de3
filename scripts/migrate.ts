// npm run db:migrate — applies migrations/ to DATABASE_URL, or to the embedded dev database.
import { openLocalDatabase } from "./lib/local-db";
import { applyMigrations } from "./lib/migrate";
import { fail } from "./lib/setup-error";

const local = await openLocalDatabase((line) => console.log(`  ${line}`)).catch(fail);
try {
  await applyMigrations(local.url);
  console.log(`migrations applied to ${local.url.replace(/:[^:@/]*@/, ":***@")}`);
} finally {
  await local.stop();
}
