/** What a login or refresh returns (`/auth/login`, `/auth/refresh`). */
export type TokenPair = {
  access_token: string;
  token_type: "bearer";
  /** Seconds until the access token expires. */
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
  session_id: string;
};

/** After a refresh that could not reach the server (network, 5xx). */
const RETRY_MS = 5000;

/** A pair as kept: with the time the access token expires, so it survives a reload. */
export type StoredSession = TokenPair & { expires_at: number };

export type SessionOptions = {
  /** Called with every new pair (to persist it) and with null when the session ended. */
  onChange?: (session: StoredSession | null) => void;
  /** A `fetch`, if the platform's is not the one to use. */
  fetch?: typeof fetch;
};

/**
 * One signed-in session's tokens, kept fresh without the app's help: the access token is
 * refreshed shortly before it expires (a timer, and a check before every use, since a background
 * tab's timers are throttled) and when the server refuses it (REST 401, socket close 4401). At
 * most one refresh runs at a time: every caller waiting meanwhile gets its result, so a page with
 * five sockets and a REST call refreshes once. A refused refresh (`invalid_grant`: revoked,
 * expired, reused) ends the session (`onChange(null)`).
 */
export class Session {
  private current: StoredSession | null;
  private inflight: Promise<string | null> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly baseUrl: string,
    stored: StoredSession | null = null,
    private readonly options: SessionOptions = {},
  ) {
    this.current = stored;
    this.schedule();
  }

  get signedIn(): boolean {
    return this.current !== null;
  }

  get sessionId(): string | null {
    return this.current?.session_id ?? null;
  }

  /** Keeps a new pair (after a login). */
  set(pair: TokenPair) {
    this.current = { ...pair, expires_at: Date.now() + pair.expires_in * 1000 };
    this.options.onChange?.(this.current);
    this.schedule();
  }

  /** Forgets the tokens (after a logout, or when the server ended the session). */
  clear() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const had = this.current !== null;
    this.current = null;
    if (had) this.options.onChange?.(null);
  }

  /** A valid access token: refreshed first if it is about to expire. Null when signed out. */
  async accessToken(): Promise<string | null> {
    if (!this.current) return null;
    if (Date.now() < this.refreshAt()) return this.current.access_token;
    return this.refresh();
  }

  /**
   * After the server refused `used`: refreshes, unless the session already holds a newer token
   * (another caller refreshed meanwhile), which is then the answer.
   */
  async refreshAfterRefusal(used: string | null): Promise<string | null> {
    if (this.current && used !== null && this.current.access_token !== used) return this.current.access_token;
    return this.refresh();
  }

  /** Refreshes now (or joins the refresh already running); the new access token, or null. */
  refresh(): Promise<string | null> {
    this.inflight ??= this.rotate().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  /**
   * Options for `RoomSocket` and `Inbox`: the token read before each connection, and the
   * refresh on close 4401.
   *
   * @example new RoomSocket({ baseUrl, roomId, ...api.session.socketAuth() })
   */
  socketAuth() {
    let used: string | null = null;
    return {
      token: async () => {
        used = await this.accessToken();
        return used ?? "";
      },
      refreshToken: () => this.refreshAfterRefusal(used),
    };
  }

  /** When to refresh: a fifth of the lifetime (at most a minute) before expiry. */
  private refreshAt(): number {
    const c = this.current;
    if (!c) return 0;
    return c.expires_at - Math.min(60_000, (c.expires_in * 1000) / 5);
  }

  /** Arms the timer: at `refreshAt`, or after `retryMs` when a refresh could not reach the server. */
  private schedule(retryMs?: number) {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.current) return;
    const wait = retryMs ?? Math.max(0, this.refreshAt() - Date.now());
    this.timer = setTimeout(() => void this.refresh().catch(() => this.schedule(RETRY_MS)), wait);
    // Node: a pending refresh must not keep the process alive.
    (this.timer as { unref?: () => void }).unref?.();
  }

  private async rotate(): Promise<string | null> {
    const c = this.current;
    if (!c) return null;
    const res = await (this.options.fetch ?? fetch)(new URL("/auth/refresh", this.baseUrl), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: c.refresh_token }),
    });
    // Signed out meanwhile, or another refresh already replaced this pair: keep what is newer.
    if (this.current?.refresh_token !== c.refresh_token) return this.current?.access_token ?? null;
    if (res.ok) {
      this.set((await res.json()) as TokenPair);
      return this.current.access_token;
    }
    // 401 invalid_grant: the session is over. Anything else (5xx): try again a little later.
    if (res.status === 401 || res.status === 400) this.clear();
    else this.schedule(RETRY_MS);
    return this.current?.access_token ?? null;
  }
}
