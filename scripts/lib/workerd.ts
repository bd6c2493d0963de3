// Roomcast on plain workerd, as production runs it as closely as one machine allows: the bundle of
// `wrangler deploy --dry-run`, served by `workerd serve` with a generated config — no
// `wrangler dev`, no proxy worker in front, Durable Object SQLite storage in files on disk.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { unstable_readConfig } from "wrangler";

const require = createRequire(import.meta.url);
/** The workerd binary of the `workerd` npm package (the one wrangler and the tests use). */
export const WORKERD = (require("workerd") as { default: string }).default;
const ASSETS_ROUTER = path.join(path.dirname(fileURLToPath(import.meta.url)), "assets-router.js");
/** The router's copy beside the bundle (capnp `embed` paths are relative to the config file). */
const ROUTER_FILE = "_assets-router.js";
/** With [assets]: the worker's first module, the bundle's worker wrapped by the router. */
const ENTRY_FILE = "_entry.js";
const ENTRY = `import worker from "./index.js";
import { withAssets } from "./${ROUTER_FILE}";
export * from "./index.js";
export default withAssets(worker);
`;
/** The local R2 stand-in (r2-disk.js), copied beside the bundle like the router. */
const R2_DISK = path.join(path.dirname(fileURLToPath(import.meta.url)), "r2-disk.js");
const R2_DISK_FILE = "_r2-disk.js";
const WRANGLER = path.resolve(path.dirname(require.resolve("wrangler/package.json")), "bin/wrangler.js");

/** What the generated config needs from wrangler.toml (the deployed worker's settings). */
export type WorkerSettings = {
  compatibilityDate: string;
  compatibilityFlags: string[];
  vars: Record<string, string>;
  durableObjects: Array<{ binding: string; className: string; sql: boolean }>;
  /** `[[r2_buckets]]`: each is served from a folder on disk (r2-disk.js). */
  r2Buckets: Array<{ binding: string; bucketName: string }>;
  /** Absolute path of `[assets] directory`, served in front of the worker (assets-router.js). */
  assetsDir: string | null;
};

export function readWorkerSettings(configPath = "wrangler.toml"): WorkerSettings {
  const c = unstable_readConfig({ config: configPath });
  const sqlite = new Set(
    c.migrations.flatMap((m: { new_sqlite_classes?: string[] }) => m.new_sqlite_classes ?? []),
  );
  if (!c.compatibility_date) throw new Error(`${configPath}: compatibility_date is not set`);
  return {
    compatibilityDate: c.compatibility_date,
    compatibilityFlags: c.compatibility_flags,
    vars: Object.fromEntries(
      Object.entries(c.vars).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    ),
    assetsDir: c.assets?.directory ? path.resolve(path.dirname(configPath), c.assets.directory) : null,
    r2Buckets: c.r2_buckets.map((b: { binding: string; bucket_name?: string }) => ({
      binding: b.binding,
      bucketName: b.bucket_name ?? b.binding,
    })),
    durableObjects: c.durable_objects.bindings.map((b: { name: string; class_name: string }) => ({
      binding: b.name,
      className: b.class_name,
      sql: sqlite.has(b.class_name),
    })),
  };
}

/** Bundles the worker exactly as `wrangler deploy` would upload it (no account needed). */
export async function buildBundle(outdir: string, signal?: AbortSignal): Promise<void> {
  await promisify(execFile)(process.execPath, [WRANGLER, "deploy", "--dry-run", "--outdir", outdir], {
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    ...(signal && { signal }),
  });
}

export type WorkerdOptions = {
  /** Folder holding the bundle (`index.js` first); the config is written there too. */
  bundleDir: string;
  /** Durable Object storage: one SQLite file per object, kept across restarts. */
  storageDir: string;
  /** Local R2: one folder per bucket (`<r2Dir>/<bucket name>/`), kept across restarts. */
  r2Dir: string;
  host: string;
  port: number;
  /** Vars and secrets, as `wrangler secret put` and `[vars]` would provide them. */
  vars: Record<string, string>;
  settings: WorkerSettings;
  /** More `workerd serve` flags (the bench's profiler adds `--inspector-addr`). */
  extraArgs?: string[];
};

// Cap' Proto text literals take C-style escapes, which JSON's escaping of ASCII matches.
const str = (s: string) => JSON.stringify(s);

/** The `workerd serve` config (Cap'n Proto text) for the bundle in `bundleDir`. */
export function workerdConfig(o: WorkerdOptions): string {
  const assets = o.settings.assetsDir;
  const bundle = readdirSync(o.bundleDir)
    .filter((f) => /\.m?js$/.test(f) && ![ROUTER_FILE, R2_DISK_FILE, ENTRY_FILE].includes(f))
    .sort((a, b) => Number(b === "index.js") - Number(a === "index.js"));
  // With [assets], the router wraps the worker in the same worker: its entry module comes first.
  const modules = (assets ? [ENTRY_FILE, ...bundle, ROUTER_FILE] : bundle).map(
    (f) => `(name = ${str(f)}, esModule = embed ${str(f)})`,
  );
  const bindings = [
    ...Object.entries(o.vars).map(([k, v]) => `(name = ${str(k)}, text = ${str(v)})`),
    ...o.settings.durableObjects.map(
      (d) => `(name = ${str(d.binding)}, durableObjectNamespace = ${str(d.className)})`,
    ),
    ...o.settings.r2Buckets.map((b) => `(name = ${str(b.binding)}, r2Bucket = ${str(`r2-${b.bucketName}`)})`),
    ...(assets ? [`(name = "ASSETS", service = "assets")`] : []),
  ];
  const namespaces = o.settings.durableObjects.map(
    // A stable uniqueKey keeps each object's storage file across restarts.
    (d) =>
      `(className = ${str(d.className)}, uniqueKey = ${str(`roomcast-${d.className}`)}, enableSql = ${d.sql})`,
  );
  const assetsService = assets
    ? `
    (name = "assets", disk = (path = ${str(assets)}, writable = false)),`
    : "";
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .roomcast),${assetsService}
    (name = "do-storage", disk = (path = ${str(path.resolve(o.storageDir))}, writable = true)),${r2Services(o)}
    # The database may be Neon (public, TLS) or a server on this machine or network.
    (name = "internet", network = (allow = ["public", "private", "local"], tlsOptions = (trustBrowserCas = true))),
  ],
  sockets = [(name = "http", address = ${str(`${o.host}:${o.port}`)}, http = (), service = "main")],
);

const roomcast :Workerd.Worker = (
  modules = [${modules.join(", ")}],
  compatibilityDate = ${str(o.settings.compatibilityDate)},
  compatibilityFlags = [${o.settings.compatibilityFlags.map(str).join(", ")}],
  durableObjectNamespaces = [${namespaces.join(", ")}],
  durableObjectStorage = (localDisk = "do-storage"),
  globalOutbound = "internet",
  bindings = [
    ${bindings.join(",\n    ")}
  ],
);
`;
}

/** Per bucket: the R2 protocol worker (r2-disk.js) and the folder it keeps objects in. */
function r2Services(o: WorkerdOptions): string {
  return o.settings.r2Buckets
    .map((b) => {
      const name = `r2-${b.bucketName}`;
      const dir = path.resolve(o.r2Dir, b.bucketName);
      return `
    (name = ${str(name)}, worker = (
      modules = [(name = "r2-disk.js", esModule = embed ${str(R2_DISK_FILE)})],
      compatibilityDate = ${str(o.settings.compatibilityDate)},
      bindings = [(name = "DISK", service = ${str(`${name}-disk`)})],
    )),
    (name = ${str(`${name}-disk`)}, disk = (path = ${str(dir)}, writable = true)),`;
    })
    .join("");
}

/** Writes the config beside the bundle and starts `workerd serve` on it. */
export function startWorkerd(
  o: WorkerdOptions,
  spawnOptions: { stdio?: "inherit" | "pipe"; detached?: boolean } = {},
): ChildProcess {
  mkdirSync(o.storageDir, { recursive: true });
  for (const b of o.settings.r2Buckets) mkdirSync(path.join(o.r2Dir, b.bucketName), { recursive: true });
  if (o.settings.r2Buckets.length > 0) copyFileSync(R2_DISK, path.join(o.bundleDir, R2_DISK_FILE));
  if (o.settings.assetsDir) {
    copyFileSync(ASSETS_ROUTER, path.join(o.bundleDir, ROUTER_FILE));
    writeFileSync(path.join(o.bundleDir, ENTRY_FILE), ENTRY);
  }
  const configFile = path.join(o.bundleDir, "workerd.capnp");
  writeFileSync(configFile, workerdConfig(o));
  return spawn(WORKERD, ["serve", configFile, ...(o.extraArgs ?? [])], {
    stdio: spawnOptions.stdio === "pipe" ? ["ignore", "pipe", "pipe"] : "inherit",
    detached: spawnOptions.detached ?? false,
  });
}
