// The disk's durable-write floor: what one local SQLite commit cannot go below. A quiet message
// into Roomcast waits for one (the room's commit, `fsync`), and the Socket.IO peer's for one too
// (PostgreSQL's WAL flush, `fdatasync`, at its default `synchronous_commit = on`), so the quiet
// line's figures are shown beside this one (bench/README.md, "Quiet room").
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export type FsyncFloor = { p50: number; p90: number; samples: number };

/**
 * Appends 4 KiB and `fsync`s it `n` times in the folder the bench's Durable Object files live in
 * (the OS temp dir), as SQLite's WAL commit does: ms per sync, p50 and p90.
 */
export function measureFsync(n = 50, dir = os.tmpdir()): FsyncFloor {
  const scratch = mkdtempSync(path.join(dir, "roomcast-fsync-"));
  const fd = openSync(path.join(scratch, "wal"), "w");
  const block = Buffer.alloc(4096, 1);
  const took: number[] = [];
  try {
    fsyncSync(fd);
    for (let i = 0; i < n; i++) {
      writeSync(fd, block);
      const t = performance.now();
      fsyncSync(fd);
      took.push(performance.now() - t);
    }
  } finally {
    closeSync(fd);
    rmSync(scratch, { recursive: true, force: true });
  }
  took.sort((a, b) => a - b);
  const at = (p: number) => took[Math.floor(p * (took.length - 1))] ?? Number.NaN;
  return { p50: at(0.5), p90: at(0.9), samples: n };
}
