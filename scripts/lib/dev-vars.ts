import { createECDH, randomBytes } from "node:crypto";
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

/** A fresh VAPID pair for Web Push (RFC 8292), base64url as browsers and push services use them. */
export function newVapidKeys() {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  // The private scalar is always 32 bytes on the wire, even when it starts with zeros.
  const d = Buffer.alloc(32);
  const raw = ecdh.getPrivateKey();
  raw.copy(d, 32 - raw.length);
  return { publicKey: ecdh.getPublicKey().toString("base64url"), privateKey: d.toString("base64url") };
}

/**
 * First run: `.dev.vars` from the example, with a fresh random SECRET_KEY and VAPID pair. A file
 * from before Web Push without a VAPID pair gets one appended. Says what it did, or null.
 */
export function ensureDevVars(file = DEV_VARS, exampleFile = ".dev.vars.example"): string | null {
  if (existsSync(file)) {
    if (readVars(file).VAPID_PRIVATE_KEY) return null;
    const vapid = newVapidKeys();
    const lines = `\n# Added by npm run dev: the VAPID pair for Web Push.\nVAPID_PUBLIC_KEY=${vapid.publicKey}\nVAPID_PRIVATE_KEY=${vapid.privateKey}\n`;
    writeFileSync(file, readFileSync(file, "utf8").replace(/^VAPID_(PUBLIC|PRIVATE)_KEY=\s*$/gm, "") + lines);
    return `added a fresh VAPID key pair to ${file}`;
  }
  const vapid = newVapidKeys();
  const text = readFileSync(exampleFile, "utf8")
    .replace(/^SECRET_KEY=.*$/m, `SECRET_KEY=${randomBytes(32).toString("hex")}`)
    .replace(/^VAPID_PUBLIC_KEY=.*$/m, `VAPID_PUBLIC_KEY=${vapid.publicKey}`)
    .replace(/^VAPID_PRIVATE_KEY=.*$/m, `VAPID_PRIVATE_KEY=${vapid.privateKey}`);
  writeFileSync(file, text);
  return `created ${file} from ${exampleFile} with a random SECRET_KEY and VAPID key pair`;
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
