// workerd's native memory as its allocator counts it: workerd links tcmalloc, which keeps freed
// memory in its caches, so RSS alone cannot tell memory in use from memory kept for later.
// `malloc_stats()` (called in the process over gdb) prints tcmalloc's own figures to the
// process's stderr, which the bench relays to ours.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const IN_USE = /MALLOC:\s+(\d+) \(\s*[\d.]+ MiB\) Bytes in use by application/;

/** Bytes tcmalloc has handed out and not had back, in process `pid`; null without gdb. */
export async function tcmallocInUse(pid: number): Promise<number | null> {
  let seen = "";
  const write = process.stderr.write.bind(process.stderr);
  // The report arrives on our stderr (relayed from the server's): read it there, do not print it.
  process.stderr.write = ((chunk: string | Uint8Array) => {
    seen += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    await promisify(execFile)("gdb", ["-p", String(pid), "-batch", "-ex", "call (void)malloc_stats()"]);
    for (let waited = 0; !IN_USE.test(seen) && waited < 3000; waited += 100) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const m = IN_USE.exec(seen);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  } finally {
    process.stderr.write = write;
  }
}
