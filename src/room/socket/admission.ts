import type { Bindings, Config } from "../../env";
import { AppError } from "../../errors";
import { inboxStub } from "../../inbox/notify";
import { TokenBuckets } from "../writes/limits";

/**
 * Who may open one more socket here, beyond the room's own roster: connects are budgeted per user
 * in this room (a token bucket, in memory like the other limits: a room only hibernates when idle,
 * by then every bucket is full again), and a user's sockets across all rooms are counted by their
 * inbox object, the one place that sees them all (`inbox/room-sockets.ts`). The room tells it
 * before it accepts a socket and after one closes.
 */
export class Admission {
  private readonly connects: TokenBuckets<number>;

  constructor(
    private readonly env: Bindings,
    private readonly config: Config,
  ) {
    this.connects = new TokenBuckets(config.WS_CONNECTS_PER_MINUTE / 60, config.WS_CONNECT_BURST);
  }

  /** One connect of this user to this room, or 429 `connect_rate_limited` with when to retry. */
  takeConnect(userId: number) {
    const wait = this.connects.take(userId);
    if (wait <= 0) return;
    const { WS_CONNECT_BURST: burst, WS_CONNECTS_PER_MINUTE: perMinute } = this.config;
    const message = `Reconnecting too often: at most ${burst} connects at once, then ${perMinute} per minute, per room`;
    throw Object.assign(new AppError("connect_rate_limited", 429, message), { retryAfterMs: wait });
  }

  /**
   * A place among the user's room sockets across all rooms, or 429 `too_many_room_sockets`. An
   * inbox that cannot be asked does not keep the user out (logged): the count heals at the next close.
   */
  async claimAcrossRooms(userId: number, roomId: number) {
    let granted = true;
    try {
      granted = await inboxStub(this.env, userId).claimRoomSocket(roomId, userId);
    } catch (err) {
      console.warn("room: could not count a socket with the user's inbox", userId, err);
    }
    if (granted) return;
    const max = this.config.WS_MAX_SOCKETS_ACROSS_ROOMS;
    throw new AppError(
      "too_many_room_sockets",
      429,
      `At most ${max} open room connections per user, all rooms together`,
    );
  }

  /** A socket of the user closed: their inbox learns how many this room still holds. Never throws. */
  async released(userId: number, roomId: number, open: number) {
    try {
      await inboxStub(this.env, userId).roomSocketsOpen(roomId, open);
    } catch (err) {
      console.warn("room: could not tell the user's inbox a socket closed", userId, err);
    }
  }
}
