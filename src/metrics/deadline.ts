/** A scrape's time budget per source: a slow store answers "source down", not a hung scrape. */
export const SOURCE_DEADLINE_MS = 3000;

export function withDeadline<T>(work: Promise<T>, ms = SOURCE_DEADLINE_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
