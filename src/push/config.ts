import type { Config } from "../env";
import { type VapidKeys, vapidKeyProblem } from "./vapid";

/**
 * The server's VAPID keys, or null when Web Push is not configured (both keys unset). A pair that
 * is set but malformed is a configuration error, reported once per isolate rather than per push.
 */
export function vapidKeys(config: Config): VapidKeys | null {
  const { VAPID_PUBLIC_KEY: publicKey, VAPID_PRIVATE_KEY: privateKey } = config;
  if (!publicKey || !privateKey) return null;
  const problem = vapidKeyProblem(publicKey, privateKey);
  if (problem) {
    if (!warned) console.error(`Web Push is off: ${problem}`);
    warned = true;
    return null;
  }
  return { publicKey, privateKey, subject: config.VAPID_SUBJECT };
}

let warned = false;
