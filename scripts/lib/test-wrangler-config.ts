import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { experimental_readRawConfig } from "wrangler";

/**
 * wrangler.toml, copied as JSON into `outDir` with its paths made relative to the copy.
 *
 * Wrangler reads `.dev.vars` (or `.env`) from the folder of the config file it is given, and the
 * vitest plugin offers no option to stop it: tests run against this copy, in a folder that holds
 * neither, so a developer's local settings never reach the worker under test.
 */
export function wranglerConfigWithoutDevVars(configPath: string, outDir: string): string {
  const { rawConfig } = experimental_readRawConfig({ config: configPath });
  const from = path.dirname(path.resolve(configPath));
  const to = path.resolve(outDir);
  const moved = (p: string) => path.relative(to, path.resolve(from, p));
  const config: Record<string, unknown> = { ...rawConfig };
  if (rawConfig.main) config.main = moved(rawConfig.main);
  if (rawConfig.assets?.directory)
    config.assets = { ...rawConfig.assets, directory: moved(rawConfig.assets.directory) };
  if (rawConfig.tsconfig) config.tsconfig = moved(rawConfig.tsconfig);
  if (rawConfig.base_dir) config.base_dir = moved(rawConfig.base_dir);
  mkdirSync(to, { recursive: true });
  const out = path.join(to, "wrangler.json");
  writeFileSync(out, `${JSON.stringify(config, null, 2)}\n`);
  return out;
}
