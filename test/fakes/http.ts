import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

type Answer = { status: number; json?: unknown };
export type Handler = (req: IncomingMessage, body: Buffer, url: URL) => Answer | Promise<Answer>;

/** A loopback HTTP server for a fake outside service; `handle` answers each request. */
export async function serve(handle: Handler): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      let out: Answer;
      try {
        out = await handle(req, Buffer.concat(chunks), new URL(req.url ?? "/", "http://127.0.0.1"));
      } catch (err) {
        out = { status: 500, json: { error: String(err) } };
      }
      res.writeHead(out.status, { "content-type": "application/json" });
      res.end(out.json === undefined ? "" : JSON.stringify(out.json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export const json = (body: Buffer): Record<string, unknown> =>
  body.length ? JSON.parse(body.toString()) : {};
