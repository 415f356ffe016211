// The one door to the backend. Generated bindings live in ./bindings.ts (never edit it);
// this file turns their result objects into thrown `IpcError`s TanStack Query understands.
import type { CommandError, ErrorCode } from "./bindings";

export { commands } from "./bindings";
export type * from "./bindings";

type Result<T> = { status: "ok"; data: T } | { status: "error"; error: CommandError };

/**
 * An error a command returned: a closed `code` to branch on and a message for the analyst;
 * for a refused credential, the form `field` it concerns and the vendor's own `detail`.
 */
export class IpcError extends Error {
  readonly code: ErrorCode;
  readonly field: string | null;
  readonly detail: string | null;

  constructor(error: CommandError) {
    super(error.message);
    this.name = "IpcError";
    this.code = error.code;
    this.field = error.field ?? null;
    this.detail = error.detail ?? null;
  }
}

/** Awaits a command and returns its data, or throws an `IpcError`. */
export async function call<T>(result: Promise<Result<T>>): Promise<T> {
  const r = await result;
  if (r.status === "error") throw new IpcError(r.error);
  return r.data;
}
