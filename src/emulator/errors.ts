/**
 * The emulator's one error type: a known condition with the gRPC status GKE answers for it.
 * The store, validation and lifecycle throw these; the API edge turns them into call errors,
 * so clients never see UNKNOWN for a known condition.
 */
import { status } from '@grpc/grpc-js';

/** Thrown by the emulator's store, validation and lifecycle when a request cannot be served; `code` is the gRPC status. */
export class ApiError extends Error {
  constructor(
    readonly code: status,
    message: string,
    /** ErrorInfo.reason sent in the status details (e.g. RATE_LIMIT_EXCEEDED). */
    readonly reason?: string,
    /** ErrorInfo's domain (default container.googleapis.com) and metadata, sent with `reason`. */
    readonly errorInfo?: { domain: string; metadata: Readonly<Record<string, string>> },
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

// Shorthands for the statuses the emulator answers with, worded like GKE's messages by the callers.
export const invalidArgument = (message: string) => new ApiError(status.INVALID_ARGUMENT, message);
export const notFound = (message: string) => new ApiError(status.NOT_FOUND, message);
export const alreadyExists = (message: string) => new ApiError(status.ALREADY_EXISTS, message);
export const failedPrecondition = (message: string) => new ApiError(status.FAILED_PRECONDITION, message);
export const permissionDenied = (message: string) => new ApiError(status.PERMISSION_DENIED, message);
export const resourceExhausted = (message: string) => new ApiError(status.RESOURCE_EXHAUSTED, message);
export const unimplemented = (message: string) => new ApiError(status.UNIMPLEMENTED, message);
