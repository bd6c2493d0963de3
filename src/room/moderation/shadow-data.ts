import type { EventData } from "../../domain/event-rows";

/**
 * The `data` of a change moderation may hide (`owner`: who alone sees it, from
 * `RoomModeration.concealment`), merged into `data`: `shadow` makes PostgreSQL's `messages.hidden`
 * mark the row, so what reads PostgreSQL (webhooks, counters, pushes) leaves it out too.
 */
export const shadowData = (owner: number | undefined, data: EventData = {}): string | null => {
  const all: EventData = { ...data, ...(owner !== undefined && { shadow: true as const }) };
  return Object.keys(all).length > 0 ? JSON.stringify(all) : null;
};
