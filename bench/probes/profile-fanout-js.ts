// npx tsx bench/probes/profile-fanout-js.ts [--receivers 10] [--messages 3000] [--plain] [--top 40]
// Where the room's JavaScript time goes during a fan-out burst on the production-runtime line
// (plain workerd): a V8 CPU profile of the worker through workerd's inspector for the burst,
// as µs per message, self time (the function itself, with the runtime calls it makes: a
// `ws.send`, an `sql.exec`) and total time (with its callees). The perf probe
// (profile-fanout.ts) says which layer; this one says which of our functions asked for it.
// The profiler itself slows the isolate down: compare figures within one profile, not with
// cpu-per-message.ts.
import { parseArgs } from "node:util";
import { freePort } from "../../scripts/lib/embedded-pg";
import { inspector, selfTimes, totalTimes } from "../lib/inspector";
import { closeClients, openClients, send, waitDelivered } from "../lib/load";
import { startStack } from "../lib/stack";
import { fmt } from "../lib/stats";

const { values: flags } = parseArgs({
  options: {
    receivers: { type: "string" },
    messages: { type: "string" },
    plain: { type: "boolean" },
    top: { type: "string" },
  },
});
const receivers = Number(flags.receivers ?? 10);
const messages = Number(flags.messages ?? 3000);
const top = Number(flags.top ?? 40);

const port = await freePort();
const name = flags.plain ? "roomcast-1by1" : "roomcast";
const stack = await startStack(new Set([name]), { workerdArgs: [`--inspector-addr=127.0.0.1:${port}`] });
try {
  const server = stack.ws.find((s) => s.name === name);
  if (!server) throw new Error(`no ${name}`);
  const profiler = await inspector(port);
  const room = await server.newRoom();
  const load = await openClients(
    stack.procs,
    [
      { endpoint: room.endpoint(0), senderId: 0 },
      ...Array.from({ length: receivers }, (_, i) => ({ endpoint: room.endpoint(i + 1), senderId: null })),
    ],
    false,
  );
  const sender = load.children[0];
  if (!sender) throw new Error("no load process");
  // A warm-up burst, so that the profile holds the steady state and not compilation.
  await send(sender, 300, null);
  await waitDelivered(load, 300 * (receivers + 1), 60_000);
  await profiler.start();
  await send(sender, messages, null);
  await waitDelivered(load, (300 + messages) * (receivers + 1), 120_000);
  const profile = await profiler.stop();
  await closeClients(load);
  const idle = /^\((idle|program|garbage collector)\)/;
  for (const [title, rows] of [
    ["self", selfTimes(profile)],
    ["total (with callees)", totalTimes(profile)],
  ] as const) {
    console.log(
      `\n${name}, fan-out to ${receivers}: ${title}, µs per message\n\n| function | µs |\n|---|---|`,
    );
    for (const [k, us] of rows.filter(([k]) => title === "self" || !idle.test(k)).slice(0, top))
      console.log(`| ${k} | ${fmt(us / messages, 1)} |`);
  }
  profiler.close();
} finally {
  await stack.stop();
  process.exit(0);
}
