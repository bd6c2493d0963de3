declare const shape: unique symbol;

/**
 * JSON text of a `T`, serialized once where the value was made (a room's history page), so the
 * worker can answer it as the body without parsing and serializing it again. The brand keeps the
 * shape in the type, so a route still declares what it answers.
 */
export type JsonText<T> = string & { readonly [shape]: T };

export const toJsonText = <T>(value: T) => JSON.stringify(value) as JsonText<T>;

/** The value again, where the worker must change it (rare: e.g. dropping a blocked author's messages). */
export const fromJsonText = <T>(text: JsonText<T>) => JSON.parse(text) as T;
