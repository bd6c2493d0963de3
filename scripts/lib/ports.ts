import net from "node:net";
import { SetupError } from "./setup-error";

/** Resolves with a free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
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
