import net from "node:net";
import { SetupError } from "./setup-error";

/**
 * Ports below Linux's ephemeral range (32768–60999): a port handed out here cannot be taken,
 * before its server binds it, by a server that asks the kernel for any port (`listen(0)`, as the
 * bench's Node baselines do) or by an outgoing connection. Taking one from the ephemeral range did
 * collide once: `wrangler dev` found its port held by a baseline that had started meanwhile.
 */
const FIRST = 20_000;
const LAST = 32_767;
/** Handed out by this process already: not handed out twice, even before its server binds it. */
const handedOut = new Set<number>();

/** Resolves with a free TCP port on loopback, outside the ephemeral range. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = FIRST + Math.floor(Math.random() * (LAST - FIRST + 1));
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new SetupError(`No free port found on 127.0.0.1 between ${FIRST} and ${LAST}.`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, "127.0.0.1");
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });
}

/** What the scripts say when a port they need is taken: which port, for what, and how to choose another. */
export function portTaken(port: number, what: string, remedy: string): SetupError {
  return new SetupError(`Port ${port} (${what}) is already in use by another program; ${remedy}.`);
}

/** `remedy` for a port chosen by a variable read from the environment or .dev.vars. */
export const setVariable = (name: string) =>
  `set ${name} to a free port (in the environment or in .dev.vars)`;
