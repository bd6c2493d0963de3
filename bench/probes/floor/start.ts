// Starts floor.js (and, with `router`, router.js in front of it) on its own `workerd serve`, with
// Roomcast's compatibility date and flags, SQLite-backed objects on fresh storage on disk.
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../../scripts/lib/embedded-pg";
import { readWorkerSettings, WORKERD } from "../../../scripts/lib/workerd";
import { type Processes, ROOT, waitForHttp } from "../../lib/procs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const str = (s: string) => JSON.stringify(s);

export type FloorOptions = {
  router: boolean;
  attach: boolean;
  direct: boolean;
  inspectorPort: number;
  /** Each message is appended to the object's SQLite before it is broadcast. */
  store?: boolean;
};

/** The floor's workerd; resolves with its port and pid once it answers. */
export async function startFloor(procs: Processes, o: FloorOptions) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "roomcast-floor-"));
  mkdirSync(path.join(dir, "storage"));
  for (const f of ["floor.js", "router.js"]) copyFileSync(path.join(HERE, f), path.join(dir, f));
  const s = readWorkerSettings(path.join(ROOT, "wrangler.toml"));
  const compat = `compatibilityDate = ${str(s.compatibilityDate)}, compatibilityFlags = [${s.compatibilityFlags.map(str).join(", ")}]`;
  const port = await freePort();
  writeFileSync(
    path.join(dir, "floor.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "floor", worker = (
      modules = [(name = "floor.js", esModule = embed "floor.js")], ${compat},
      durableObjectNamespaces = [(className = "Floor", uniqueKey = "floor", enableSql = true)],
      durableObjectStorage = (localDisk = "storage"),
      bindings = [(name = "FLOOR", durableObjectNamespace = "Floor"), (name = "ATTACH", text = ${str(o.attach ? "1" : "0")}), (name = "DIRECT", text = ${str(o.direct ? "1" : "0")}), (name = "STORE", text = ${str(o.store ? "1" : "0")})],
    )),
    (name = "router", worker = (
      modules = [(name = "router.js", esModule = embed "router.js")], ${compat},
      bindings = [(name = "WORKER", service = "floor")],
    )),
    (name = "storage", disk = (path = ${str(path.join(dir, "storage"))}, writable = true)),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = ${str(o.router ? "router" : "floor")})],
);
`,
  );
  const child = procs.spawn(WORKERD, [
    "serve",
    path.join(dir, "floor.capnp"),
    `--inspector-addr=127.0.0.1:${o.inspectorPort}`,
  ]);
  child.stderr?.on("data", (d: Buffer) => {
    if (!/Request\.cf|became the default/.test(String(d))) process.stderr.write(`[floor] ${d}`);
  });
  await waitForHttp(`http://127.0.0.1:${port}/health`, 30_000);
  return { port, pid: child.pid ?? 0 };
}
