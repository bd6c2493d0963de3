// The PostgreSQL half of the delivery check: the room's rows, once the outbox copied them.

export type Count = { n: string; lo: number | null; hi: number | null; d: string };

/** Polls `count` until PostgreSQL holds exactly 1..sent (the outbox copies asynchronously). */
export async function awaitStored(what: string, count: () => Promise<Count | undefined>, sent: number) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await count();
    const ok =
      r && Number(r.n) === sent && Number(r.d) === sent && Number(r.lo) === 1 && Number(r.hi) === sent;
    if (ok) return null;
    if (Date.now() > deadline) return `${what}: PostgreSQL holds ${JSON.stringify(r)}, sent ${sent}`;
    await new Promise((res) => setTimeout(res, 200));
  }
}
