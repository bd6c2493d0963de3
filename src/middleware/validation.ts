import { AppError } from "../errors";
import { requireStorable } from "../text";

type Issue = { path: PropertyKey[]; message: string };
type Result = { success: boolean; data?: unknown; error?: unknown; target?: string };

/**
 * Every route's input passes here after its schema: a schema failure becomes one 422 listing
 * the offending fields, and text no client or PostgreSQL can hold is refused (422 `invalid_text`)
 * for every field of every route, without each schema having to remember it.
 */
export const validationHook = (result: Result) => {
  if (result.success) return requireStorable(result.data, result.target);
  const issues = (result.error as { issues?: Issue[] }).issues ?? [];
  throw new AppError(
    "validation_error",
    422,
    "Request validation failed",
    issues.map((i) => ({ in: result.target, path: i.path.map(String).join("."), message: i.message })),
  );
};
