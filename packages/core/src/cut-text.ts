/**
 * Longest text an audit event keeps in a field a client chose (method, target name, request id).
 * MCP names stay far shorter (tool names at most 128 characters); a longer one is cut, so one
 * message never makes more than a few kilobytes of audit output, however large its body.
 */
export const MAX_AUDIT_TEXT = 512;

/** Longest string a log line keeps in any value (header values, error messages, paths). */
export const MAX_LOG_TEXT = 2048;

/**
 * A string of at most `max` characters plus a marker saying how much was cut:
 * `abc…[cut 12345 chars]`. Shorter strings come back as they are (the same string, no copy).
 */
export function cutText(value: string, max: number): string {
  if (value.length <= max) return value;
  // Never split a surrogate pair: a lone half is not a character.
  const code = value.charCodeAt(max - 1);
  const keep = code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
  return `${value.slice(0, keep)}…[cut ${value.length - keep} chars]`;
}
