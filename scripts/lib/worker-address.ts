import { parseArgs } from "node:util";

/**
 * Where `wrangler dev <args>` will serve: `--port`/`--ip` when given, else wrangler.toml's [dev],
 * else wrangler's defaults. A wildcard ip is shown (and polled) as 127.0.0.1.
 */
export async function workerAddress(args: string[]): Promise<{ port: number; url: string }> {
  const { values } = parseArgs({
    args,
    options: { port: { type: "string" }, ip: { type: "string" } },
    strict: false,
    allowPositionals: true,
  });
  const { experimental_readRawConfig } = await import("wrangler");
  const dev = experimental_readRawConfig({ config: "wrangler.toml" }).rawConfig.dev ?? {};
  const port = Number(values.port ?? dev.port ?? 8787);
  let ip = String(values.ip ?? dev.ip ?? "localhost");
  if (ip === "0.0.0.0" || ip === "*" || ip === "::") ip = "127.0.0.1";
  const host = ip.includes(":") ? `[${ip}]` : ip;
  return { port, url: `http://${host}:${port}` };
}

/**
 * Polls `${url}/health` until it answers 200 (true) or `exited` settles first (false): the
 * banner is printed only once the worker really serves.
 */
export async function waitForHealth(url: string, exited: Promise<unknown>): Promise<boolean> {
  let gone = false;
  void exited.then(() => (gone = true));
  while (!gone) {
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(10_000) });
      if (res.ok) return true;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}
