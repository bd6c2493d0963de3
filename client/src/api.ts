import type { CREATABLE_ROOM_KINDS } from "../../src/protocol/kinds";
import type { Login, Message, Room, RoomSummary, User } from "../../src/protocol/rest";
import { fetchFile, type RefusalBody, sendFile, type Upload, type UploadOptions } from "./files";

const refused = (r: RefusalBody) => new RoomcastError(r.code, r.status, r.message, r.details);
const isRefusal = (r: unknown): r is RefusalBody =>
  typeof r === "object" && r !== null && "code" in r && "status" in r;

/** A refused REST call: the server's stable `code`, its HTTP status, and its message. */
export class RoomcastError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "RoomcastError";
  }
}

/**
 * The REST shapes, derived from the server's own zod schemas (src/protocol/rest.ts, which the
 * routes register in /openapi.json): type-only imports, so the client carries no server code.
 */
export type { Login, Message, Room, RoomSummary, User } from "../../src/protocol/rest";

/**
 * The few REST calls a chat front end needs, typed. For the whole API generate a client from
 * `/openapi.json` (README: "OpenAPI clients").
 */
export class RoomcastApi {
  constructor(
    readonly baseUrl: string,
    /** Read before every call, so a refreshed token is picked up. */
    public token: string | null = null,
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(new URL(path, this.baseUrl), {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await res.text();
    const parsed = text ? JSON.parse(text) : null;
    if (!res.ok) {
      const e = parsed?.error ?? {};
      throw new RoomcastError(e.code ?? "http_error", res.status, e.message ?? res.statusText, e.details);
    }
    return parsed as T;
  }

  signup(body: { username: string; email: string; password: string; full_name?: string }) {
    return this.request<User>("POST", "/user/signup", body);
  }

  /** Logs in and keeps the token for later calls. */
  async login(username: string, password: string): Promise<Login> {
    const login = await this.request<Login>("POST", "/auth/login", { username, password });
    this.token = login.access_token;
    return login;
  }

  myRooms() {
    return this.request<RoomSummary[]>("GET", "/room/rooms");
  }

  publicRooms(q = "") {
    return this.request<Room[]>("GET", `/room/public?q=${encodeURIComponent(q)}`);
  }

  createRoom(body: { name: string; description?: string; kind?: (typeof CREATABLE_ROOM_KINDS)[number] }) {
    return this.request<Room>("POST", "/room/", body);
  }

  joinRoom(roomId: number) {
    return this.request<unknown>("POST", `/room/${roomId}/members/join`);
  }

  /**
   * Uploads a file to attach to a message (`room.send(text, id, [upload.id])`), with progress in
   * browsers (see `UploadOptions.onProgress`). Throws a `RoomcastError` when refused.
   */
  async upload(file: Blob | Uint8Array<ArrayBuffer>, opts: UploadOptions = {}): Promise<Upload> {
    const r = await sendFile(this, file, opts);
    if (isRefusal(r)) throw refused(r);
    return r;
  }

  /** A file's bytes, fetched with the token; the server checks access on every download. */
  async download(fileId: string): Promise<Blob> {
    const r = await fetchFile(this, fileId);
    if (isRefusal(r)) throw refused(r);
    return r;
  }

  /** Sends a message over REST (sockets: `RoomSocket.send`), optionally with uploads attached. */
  sendMessage(roomId: number, body: { content: string; client_id?: string; attachments?: string[] }) {
    return this.request<Message>("POST", `/message/rooms/${roomId}/messages`, body);
  }

  /** Messages oldest first; `after` pages forward, `before` pages back. */
  history(roomId: number, opts: { limit?: number; before?: number; after?: number } = {}) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(opts)) if (v !== undefined) q.set(k, String(v));
    return this.request<Message[]>("GET", `/message/rooms/${roomId}/messages?${q}`);
  }
}
