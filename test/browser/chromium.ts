import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import puppeteer, { type Browser } from "puppeteer-core";

/** Debian's package (`apt-get install -y chromium`); override with CHROMIUM_PATH. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * A headless Chromium with a fresh profile and no traffic of its own (no sync, updates or
 * background requests). `*.test` host names resolve to 127.0.0.1 so a page can be served from a
 * foreign origin; every other name fails to resolve: nothing reaches the internet. `extraArgs`
 * adds switches (e.g. chromiumGcmArgs, for Web Push).
 */
export async function launchChromium(
  extraArgs: string[] = [],
): Promise<Browser & { dispose: () => Promise<void> }> {
  const profile = mkdtempSync(path.join(tmpdir(), "roomcast-chromium-"));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--user-data-dir=${profile}`,
      "--host-resolver-rules=MAP *.test 127.0.0.1, MAP localhost 127.0.0.1, EXCLUDE 127.0.0.1, MAP * ~NOTFOUND",
      ...extraArgs,
    ],
  });
  return Object.assign(browser, {
    dispose: async () => {
      await browser.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  });
}
