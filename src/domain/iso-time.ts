/** The second whose text `prefix` holds (`YYYY-MM-DDTHH:mm:ss.`). */
let second = Number.NaN;
let prefix = "";
/** The largest time a Date holds, in ms either side of 1970. */
const MAX_TIME = 8.64e15;

/**
 * `new Date(ms).toISOString()`, for the times of timeline events. Date's formatter is a runtime
 * call each time (≈ 4 % of a history request's JavaScript in its V8 profile), while a page or
 * a burst holds many times within one second: the text up to the second is kept and reused.
 * Anything but a whole number of ms (and every invalid time) goes to Date, which throws as before.
 */
export function isoTime(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s !== second || !Number.isInteger(ms) || ms > MAX_TIME) {
    const full = new Date(ms).toISOString();
    if (Number.isInteger(ms) && ms < MAX_TIME) {
      second = s;
      prefix = full.slice(0, -4);
    }
    return full;
  }
  const frac = ms - s * 1000;
  return `${prefix}${frac < 10 ? "00" : frac < 100 ? "0" : ""}${frac}Z`;
}
