/**
 * An upload's body as it streams through the worker: the first bytes are read to sniff the type,
 * then handed on to R2 together with the rest, without holding the file in memory.
 */

/** Reads from `reader` until `want` bytes (or the end) are in hand. */
export async function readHead(reader: ReadableStreamDefaultReader<Uint8Array>, want: number) {
  const chunks: Uint8Array[] = [];
  let have = 0;
  while (have < want) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    have += value.byteLength;
  }
  const head = new Uint8Array(have);
  let at = 0;
  for (const c of chunks) {
    head.set(c, at);
    at += c.byteLength;
  }
  return head;
}

/**
 * The whole body again, `head` first, as a stream of exactly `length` bytes: R2 needs the length
 * up front, and FixedLengthStream fails the upload if the client sends fewer bytes.
 */
export function rejoin(
  head: Uint8Array,
  reader: ReadableStreamDefaultReader<Uint8Array>,
  length: number,
): ReadableStream<Uint8Array> {
  const { readable, writable } = new FixedLengthStream(length);
  const writer = writable.getWriter();
  const pump = async () => {
    await writer.write(head);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await writer.write(value);
    }
    await writer.close();
  };
  pump().catch((err: unknown) => {
    writer.abort(err).catch(() => {});
    reader.cancel(err).catch(() => {});
  });
  return readable;
}
