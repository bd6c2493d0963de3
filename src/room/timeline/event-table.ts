/** The room's SQLite tables of its timeline: `meta` (counters, cursor, epoch) and the events. */
export const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    target_id TEXT,
    user_id INTEGER NOT NULL,
    username TEXT NOT NULL,
    content TEXT,
    client_id TEXT,
    created_at INTEGER NOT NULL,
    edited_at INTEGER,
    deleted_at INTEGER,
    reply_to TEXT,
    data TEXT
  );
  CREATE UNIQUE INDEX IF NOT EXISTS events_client ON events (user_id, client_id) WHERE client_id IS NOT NULL;
  CREATE INDEX IF NOT EXISTS events_target ON events (target_id) WHERE target_id IS NOT NULL;
`;
