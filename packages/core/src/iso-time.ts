let lastMs = Number.NaN;
let lastText = '';

/**
 * The time as ISO 8601 text (`2026-01-02T03:04:05.678Z`), as audit events and log lines carry
 * it. Formatting a Date costs about a microsecond; every message of a busy gateway asks for the
 * same millisecond several times, so the text of the last millisecond is kept.
 */
export function isoTime(ms: number = Date.now()): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastText = new Date(ms).toISOString();
  }
  return lastText;
}
