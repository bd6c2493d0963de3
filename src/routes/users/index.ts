import { OpenAPIHono } from "@hono/zod-openapi";
import { issueToken } from "../../auth/tokens";
import type { AppEnv } from "../../context";
import { changePassword, createUser, deleteUser, listUsers, updateUser } from "../../domain/users";
import { toUserOut } from "../schemas";
import * as routes from "./users.routes";

export const userRoutes = new OpenAPIHono<AppEnv>()
  .openapi(routes.signup, async (c) => {
    const user = await createUser(c.var.db, c.var.config, c.req.valid("json"));
    return c.json(toUserOut(user), 201);
  })
  .openapi(routes.list, async (c) => {
    const { limit, offset } = c.req.valid("query");
    return c.json((await listUsers(c.var.db, limit, offset)).map(toUserOut), 200);
  })
  .openapi(routes.update, async (c) => {
    const { user_id } = c.req.valid("param");
    const user = await updateUser(c.var.db, c.env, c.var.user, user_id, c.req.valid("json"));
    return c.json(toUserOut(user), 200);
  })
  .openapi(routes.updatePassword, async (c) => {
    const { current_password, new_password } = c.req.valid("json");
    const user = await changePassword(
      c.var.db,
      c.env,
      c.var.config,
      c.var.user,
      current_password,
      new_password,
    );
    const token = await issueToken(c.var.config, { userId: user.id, tokenVersion: user.tokenVersion });
    return c.json({ message: "Password updated", ...token }, 200);
  })
  .openapi(routes.remove, async (c) => {
    await deleteUser(c.var.db, c.env, c.var.user, c.req.valid("param").user_id);
    return c.body(null, 204);
  });
