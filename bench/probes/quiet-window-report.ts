// The report of quiet-windows.ts: perf samples put in the steps of each quiet message.
import type { Trial } from "./quiet-clients";

type Sample = { at: number; stack: string[] };
type Sys = { at: number; name: string; enter: boolean };

function parse(text: string): { samples: Sample[]; sys: Sys[] } {
  const samples: Sample[] = [];
  const sys: Sys[] = [];
  let cur: Sample | null = null;
  for (const line of text.split("\n")) {
    const head = /^\s*(\d+\.\d+):\s+(?:\d+\s+)?(\S+):\s*(.*)$/.exec(line);
    if (head) {
      const at = Number(head[1]) * 1000;
      const event = head[2] ?? "";
      const sc = /^syscalls:sys_(enter|exit)_(\w+)$/.exec(event);
      if (sc) sys.push({ at, name: sc[2] ?? "", enter: sc[1] === "enter" });
      cur = event.startsWith("cpu-clock") ? { at, stack: [] } : null;
      if (cur) samples.push(cur);
      continue;
    }
    const frame = /^\s+[0-9a-f]+\s+(.*)$/.exec(line);
    if (frame && cur) cur.stack.push((frame[1] ?? "").replace(/\(.*$/, "").slice(0, 90));
  }
  return { samples, sys };
}

const CLASSES: Array<[string, RegExp]> = [
  ["SQLite statements (exec)", /SqlStorage::exec|sqlite3_step|sqlite3_prepare/],
  ["ws.send (JS → runtime)", /api::WebSocket::send/],
  ["JSON.parse/stringify", /Json(Parser|Stringifier)/],
  ["setTimeout", /setTimeout|TimerChannel|Timeout/],
  ["storage.sync / output gate", /DurableObjectStorage::sync|OutputGate/],
  ["garbage collection", /Heap::|GarbageCollect|Scavenge|MarkCompact|cppgc/],
  ["JavaScript (room code)", /\[unknown\]|Builtins_|JIT/],
  ["microtasks / promises (runtime)", /RunMicrotasks|Promise/],
  ["event setup (IoContext, lock, hibernation)", /IoContext|Hibernat|AsyncLock|Worker::/],
  ["kernel", /\[k\]|kallsyms|^[a-z_]+$/],
];
const classOf = (stack: string[]) =>
  CLASSES.find(([, re]) => stack.some((f) => re.test(f)))?.[0] ?? `other: ${stack[0] ?? "?"}`;

export function windowsReport(text: string, trials: Trial[], hz: number) {
  const { samples, sys } = parse(text);
  const us = 1e6 / hz;
  const steps = new Map<string, number>();
  const code = new Map<string, number>();
  const apis = new Map<string, number>();
  const release = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, n = us) => m.set(k, (m.get(k) ?? 0) + n);
  let counted = 0;
  trials.forEach((t, i) => {
    const end = t.sentAt + t.last;
    const next = trials[i + 1]?.sentAt ?? end + 5;
    const inWin = sys.filter((s) => s.at >= t.sentAt && s.at <= end);
    const read = inWin.find((s) => s.name === "recvfrom" && !s.enter);
    const write = inWin.find((s) => s.name === "pwrite64" && s.enter && read && s.at > read.at);
    const fsyncEnd = inWin.find((s) => s.name === "fsync" && !s.enter && write && s.at > write.at);
    if (!read || !write || !fsyncEnd) return;
    counted++;
    for (const s of samples) {
      if (s.at < t.sentAt || s.at >= next) continue;
      const step =
        s.at < read.at
          ? "before the read"
          : s.at < write.at
            ? "code"
            : s.at < fsyncEnd.at
              ? "commit"
              : s.at <= end
                ? "release + sends"
                : "after (until the next send)";
      add(steps, step);
      if (step === "release + sends")
        add(
          release,
          s.stack.find((f) =>
            /workerd::api::|workerd::jsg::|ActorSqlite|SqliteDatabase|IoContext::|Hibernat|Gate|Builtins_|sendto/.test(
              f,
            ),
          ) ?? s.stack.slice(0, 2).join(" < "),
        );
      if (step === "code") {
        add(code, classOf(s.stack));
        const api = s.stack.find((f) =>
          /workerd::api::|workerd::jsg::|ActorSqlite|SqliteDatabase|IoContext::|Hibernat/.test(f),
        );
        add(apis, api ?? s.stack.slice(0, 2).join(" < "));
      }
    }
  });
  const per = (n: number) => (n / Math.max(1, counted)).toFixed(0);
  console.log(`${counted} messages; samples every ${us.toFixed(0)} µs; CPU µs per message by step:`);
  for (const [k, v] of steps) console.log(`  ${per(v)}  ${k}`);
  console.log("within the code step:");
  const total = [...code.values()].reduce((a, b) => a + b, 0);
  console.log(`  (${per(total)} µs in all)`);
  for (const [k, v] of [...code].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${per(v)}  ${k}`);
  console.log("within release + sends, by the nearest runtime frame:");
  for (const [k, v] of [...release].sort((a, b) => b[1] - a[1]).slice(0, 20))
    console.log(`  ${per(v)}  ${k}`);
  console.log("within the code step, by the nearest runtime frame:");
  for (const [k, v] of [...apis].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`  ${per(v)}  ${k}`);
}
