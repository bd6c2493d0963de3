// What the inbox scenario needs of a Roomcast server: fresh users with tokens, and rooms whose
// members are written to PostgreSQL before the room's object first loads its roster.
import type pg from "pg";
import { type BenchUser, roomcastApi, type signTokens } from "./roomcast";

export type InboxKit = {
  base: string;
  /** A room of `n` fresh members (the first one owns it and sends), and their tokens. */
  roomOf: (n: number) => Promise<{ roomId: number; users: number[]; tokens: string[] }>;
  /** Another room with the same members (created now: their connected channels do not watch it). */
  roomWith: (users: number[], ownerToken: string) => Promise<number>;
};

export function inboxKit(
  base: string,
  pool: pg.Pool,
  passwordHash: string,
  sign: (users: BenchUser[]) => ReturnType<typeof signTokens>,
): InboxKit {
  let rooms = 0;
  const addMembers = async (roomId: number, users: number[]) => {
    await pool.query(
      `insert into room_members (room_id, user_id, role)
       select $1, u, 'member' from unnest($2::int[]) u on conflict do nothing`,
      [roomId, users],
    );
  };
  const roomWith = async (users: number[], ownerToken: string) => {
    const roomId = await roomcastApi(base, ownerToken).createRoom(`inbox-${Date.now()}-${++rooms}`);
    await addMembers(roomId, users.slice(1));
    return roomId;
  };
  return {
    base,
    roomWith,
    roomOf: async (n) => {
      const tag = `${Date.now()}_${++rooms}`;
      const { rows } = await pool.query<BenchUser>(
        `insert into users (username, email, password_hash)
         select 'in' || g || '_' || $3, 'in' || g || '_' || $3 || '@bench.test', $1
         from generate_series(1, $2) g returning id, username`,
        [passwordHash, n, tag],
      );
      const tokens = await sign(rows);
      const users = rows.map((r) => r.id);
      return { roomId: await roomWith(users, tokens[0] as string), users, tokens };
    },
  };
}
