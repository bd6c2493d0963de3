// npm run openapi [-- out.json] — the OpenAPI document the worker serves at /openapi.json, built
// from the app in Node, without a server or a database (for the linter: npm run lint:openapi).
import { mkdirSync, writeFileSync } from "node:fs";
import { registerHooks } from "node:module";
import path from "node:path";

// The app's modules reach the Durable Object classes, which extend cloudflare:workers' base
// class. Describing the API runs none of their code, so an empty stand-in is enough here.
const RUNTIME_STANDIN =
  "data:text/javascript,export class DurableObject {}; export class WorkerEntrypoint {}";
registerHooks({
  resolve: (specifier, context, next) =>
    specifier.startsWith("cloudflare:")
      ? { url: RUNTIME_STANDIN, shortCircuit: true }
      : next(specifier, context),
});

// The worker's modules are type-checked as Workers code (tsconfig.json), not here: imported by a
// computed path, with only the shape this script uses.
type App = { getOpenAPI31Document: (document: unknown) => unknown };
const load = async <T>(file: string): Promise<T> => (await import(path.join(import.meta.dirname, file))) as T;
const { createApp } = await load<{ createApp: () => App }>("../src/app.ts");
const { OPENAPI_DOCUMENT } = await load<{ OPENAPI_DOCUMENT: unknown }>("../src/openapi.ts");
// The same call the /openapi.json route makes, without a request (which would need bindings).
const document = `${JSON.stringify(createApp().getOpenAPI31Document(OPENAPI_DOCUMENT), null, 2)}\n`;
const out = process.argv[2];
if (out) {
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, document);
} else process.stdout.write(document);
