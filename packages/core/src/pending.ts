/**
 * Whether a value that may be known now or later is still to come (a promise or any thenable).
 * Decisions answer directly when every part of them can (the memory rate-limit store does), so
 * a request costs no promise, and with a promise when one part must wait (Redis).
 */
export function isPending<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
