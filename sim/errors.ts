import type { ErrorCode } from "../procedures/contract";

/**
 * An error answer of the admin or control API: the status, the contract's error code, a
 * message for humans, and the details the contract names (`reason`, `partitions`, ...).
 */
export class ApiError extends Error {
  override name = "ApiError";

  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** The error body: `{"error", "message", ...details}`. */
  body(): Record<string, unknown> {
    return { error: this.code, message: this.message, ...this.details };
  }
}

/** `404 not_found`. */
export const notFound = (message: string, details?: Record<string, unknown>): ApiError =>
  new ApiError(404, "not_found", message, details);

/** `400 invalid_request`. */
export const invalid = (message: string, details?: Record<string, unknown>): ApiError =>
  new ApiError(400, "invalid_request", message, details);

/** `409 conflict`. */
export const conflict = (message: string, details?: Record<string, unknown>): ApiError =>
  new ApiError(409, "conflict", message, details);

/** `409 unsafe` with the guard's `reason`. */
export const unsafe = (reason: string, message: string, details?: Record<string, unknown>): ApiError =>
  new ApiError(409, "unsafe", message, { reason, ...details });
