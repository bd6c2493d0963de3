import { inject } from "vitest";
import { RoomcastApi } from "../../client/src";

export const baseUrl = () => inject("baseUrl");

export const unique = (prefix: string) => `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;

export const PASSWORD = "correct horse battery";

/** Signs up and logs in a fresh user through the typed client. */
export async function newUser(prefix = "user") {
  const api = new RoomcastApi(baseUrl());
  const username = unique(prefix);
  const user = await api.signup({ username, email: `${username}@example.test`, password: PASSWORD });
  const login = await api.login(username, PASSWORD);
  return { api, user, username, token: login.access_token };
}

export { eventually } from "../eventually";
