import type { CREATABLE_ROOM_KINDS } from "../../src/protocol/kinds";
import type { Login, Message, Room, RoomSummary, User } from "../../src/protocol/rest";
import { fetchFile, type RefusalBody, sendFile, type Upload, type UploadOptions } from "./files";
import { Session, type SessionOptions, type StoredSession } from "./session";

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
  /** The signed-in session (after `login`, or a stored one): refreshes its tokens by itself. */
  readonly session: Session;

  constructor(
    readonly baseUrl: string,
    /** A plain access token, used while no session is signed in (read before every call). */
    public token: string | null = null,
    /** A session kept from before (e.g. in sessionStorage), and where to report new pairs. */
    session: { stored?: StoredSession | null } & SessionOptions = {},
  ) {
    this.session = new Session(baseUrl, session.stored ?? null, session);
  }

  /**
   * One call. With a session, the access token is fresh (refreshed shortly before it expires) and
   * a 401 is answered by one refresh and one retry, so an app never sees an expired token.
   */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const used = await this.bearer();
    const res = await this.send(method, path, body, used);
    if (res.status === 401 && this.session.signedIn) {
      const fresh = await this.session.refreshAfterRefusal(used);
      if (fresh) return this.parse<T>(await this.send(method, path, body, fresh));
    }
    return this.parse<T>(res);
  }

  private async bearer(): Promise<string | null> {
    return this.session.signedIn ? await this.session.accessToken() : this.token;
  }

  private send(method: string, path: string, body: unknown, token: string | null) {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    return fetch(new URL(path, this.baseUrl), {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
    });
  }

  private async parse<T>(res: Response): Promise<T> {
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

  /** Logs in and keeps the session (its tokens refresh by themselves) for later calls. */
  async login(username: string, password: string): Promise<Login> {
    const login = await this.request<Login>("POST", "/auth/login", { username, password });
    this.token = login.access_token;
    this.session.set(login);
    return login;
  }

  /** Ends this session on the server (its sockets close) and forgets its tokens. */
  async logout(): Promise<void> {
    try {
      await this.request<null>("POST", "/auth/logout");
    } finally {
      this.session.clear();
      this.token = null;
    }
  }

  /** Who I am. */
  me() {
    return this.request<User>("GET", "/user/me");
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
    // The session's fresh token, not `this.token` (null while a session is signed in).
    const r = await sendFile({ baseUrl: this.baseUrl, token: await this.bearer() }, file, opts);
    if (isRefusal(r)) throw refused(r);
    return r;
  }

  /** A file's bytes, fetched with the token; the server checks access on every download. */
  async download(fileId: string): Promise<Blob> {
    const r = await fetchFile({ baseUrl: this.baseUrl, token: await this.bearer() }, fileId);
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
