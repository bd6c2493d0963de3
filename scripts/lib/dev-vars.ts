import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { SetupError } from "./setup-error";

export const DEV_VARS = ".dev.vars";

/** Reads a dotenv-style file (KEY=value, # comments, optional quotes). */
export function readVars(file = DEV_VARS): Record<string, string> {
  if (!existsSync(file)) return {};
  const vars: Record<string, string> = {};
  for (const line of readFileSync(file, "utf8").split(/\r?\n/)) {
    const m = line.match(/^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/);
    if (!m?.[1]) continue;
    const raw = m[2] ?? "";
    const quoted = raw.match(/^(['"])(.*)\1$/);
    // As dotenv (which wrangler uses) reads it: " #" starts a comment in an unquoted value.
    vars[m[1]] = quoted ? (quoted[2] ?? "") : raw.replace(/\s+#.*$/, "");
  }
  return vars;
}

/** First run: `.dev.vars` from the example, with a fresh random SECRET_KEY. */
export function ensureDevVars(): boolean {
  if (existsSync(DEV_VARS)) return false;
  const example = readFileSync(".dev.vars.example", "utf8");
  const secret = randomBytes(32).toString("hex");
  writeFileSync(DEV_VARS, example.replace(/^SECRET_KEY=.*$/m, `SECRET_KEY=${secret}`));
  return true;
}

/** A local setting: the process environment first, then .dev.vars; empty counts as unset. */
export function setting(name: string, file = DEV_VARS): { value: string; from: string } | undefined {
  const env = process.env[name];
  if (env) return { value: env, from: "the environment" };
  const value = readVars(file)[name];
  return value ? { value, from: file } : undefined;
}

/** A port setting (PG_PORT, DB_WS_PROXY_PORT): its value, or `fallback` when unset. */
export function portSetting(name: string, fallback: number, file = DEV_VARS): number {
  const found = setting(name, file);
  if (!found) return fallback;
  const port = Number(found.value);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new SetupError(`${name}=${found.value} (from ${found.from}) is not a port number (1-65535).`);
  }
  return port;
}

/** Where the database is: DATABASE_URL from the environment or .dev.vars, if set and not empty. */
export function configuredDatabaseUrl(): { value: string; from: string } | undefined {
  return setting("DATABASE_URL");
}
