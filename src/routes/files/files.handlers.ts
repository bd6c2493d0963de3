import { type AppRouteHandler, userScopeOf } from "../../context";
import { requireFileReader } from "../../files/access";
import { receiveUpload } from "../../files/receive";
import { serveFile } from "../../files/serve";
import { fileSweeper } from "../../files/sweeper";
import { deletePending, findReady } from "../../files/uploads";
import type * as routes from "./files.routes";

export const upload: AppRouteHandler<typeof routes.upload> = async (c) => {
  const length = c.req.header("content-length");
  const stored = await receiveUpload(userScopeOf(c), {
    body: c.req.raw.body,
    length: length === undefined || !/^\d+$/.test(length) ? null : Number(length),
    contentType: c.req.header("content-type") ?? null,
    name: c.req.valid("query").name,
  });
  return c.json(stored, 201);
};

export const download: AppRouteHandler<typeof routes.download> = async (c) => {
  const s = userScopeOf(c);
  const row = await findReady(s.db, c.req.valid("param").file_id);
  await requireFileReader(s, row);
  // A binary body: the route's typed responses describe JSON only.
  return (await serveFile(s.env.FILES, row, c.req.raw.headers)) as never;
};

export const remove: AppRouteHandler<typeof routes.remove> = async (c) => {
  const s = userScopeOf(c);
  await deletePending(s.db, s.user.id, c.req.valid("param").file_id);
  await fileSweeper(s.env).kick();
  return c.body(null, 204);
};
