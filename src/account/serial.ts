/**
 * Runs async work one piece at a time, in call order. A Durable Object is single-threaded, but
 * its awaits interleave: without this, two refreshes with one token would both read it as
 * current and both rotate it.
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    // A failure answers its own caller; the queue goes on.
    this.tail = result.catch(() => {});
    return result;
  }
}
