import { cutText } from './cut-text.js';

/** What a redacted value is replaced by. */
export const REDACTED = '[REDACTED]';

/**
 * Builds a function that copies a value with every property whose name is one of `keys`
 * (case-insensitive, at any depth, in arrays too) replaced by `[REDACTED]`. Used on every log
 * line and audit event, so a header map or params object can be logged without leaking secrets.
 * Cycles are cut rather than followed; with `maxText`, so are strings longer than it.
 */
export function createRedactor(keys: readonly string[], options: { maxText?: number } = {}): <T>(value: T) => T {
  const secret = new Set(keys.map((key) => key.toLowerCase()));
  // Strings longer than maxText are cut with a marker (cut-text.ts), so one line stays bounded.
  const maxText = options.maxText ?? Infinity;
  const copy = (value: unknown, seen: Set<object>): unknown => {
    if (typeof value === 'string') return value.length > maxText ? cutText(value, maxText) : value;
    if (typeof value !== 'object' || value === null) return value;
    if (seen.has(value)) return '[Circular]';
    seen.add(value);
    let out: unknown;
    if (Array.isArray(value)) out = value.map((item) => copy(item, seen));
    else {
      const record: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) record[key] = secret.has(key.toLowerCase()) ? REDACTED : copy(item, seen);
      out = record;
    }
    seen.delete(value);
    return out;
  };
  return <T>(value: T) => copy(value, new Set()) as T;
}
