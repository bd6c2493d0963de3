import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createApp } from "../src/app";
import type { Bindings, ConfigVars } from "../src/env";
import { type ApiResponse, readResponse } from "./helpers";

type Call = {
  token?: string;
  json?: unknown;
  headers?: Record<string, string>;
  /** The connection's peer as plain workerd reports it (`request.cf.clientIp`, "ip:port"). */
  clientIp?: string;
};

/**
 * The real worker app under another configuration: a fresh env object (config is cached per env
 * object) with the same PostgreSQL and Durable Objects. For limits whose test defaults are raised
 * in vitest.config.ts, and for settings such as TRUSTED_PROXY_HEADER.
 */
export function configuredApi(vars: { [K in keyof ConfigVars]: string | undefined }) {
  const app = createApp();
  const bindings = { ...env, ...vars } as Bindings;
  return async <T = unknown>(method: string, path: string, call: Call = {}): Promise<ApiResponse<T>> => {
    const headers = new Headers(call.headers);
    if (call.token) headers.set("authorization", `Bearer ${call.token}`);
    if (call.json !== undefined) headers.set("content-type", "application/json");
    const body = call.json === undefined ? undefined : JSON.stringify(call.json);
    const cf = call.clientIp ? { clientIp: call.clientIp } : undefined;
    const init = { method, headers, body, ...(cf && { cf }) } as RequestInit;
    const res = await app.fetch(
      new Request(`http://roomcast.test${path}`, init),
      bindings,
      createExecutionContext(),
    );
    return readResponse<T>(res);
  };
}
