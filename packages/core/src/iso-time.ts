let lastMs = Number.NaN;
let lastText = '';
let secondMs = Number.NaN;
/** `YYYY-MM-DDTHH:MM:SS` of the second that starts at secondMs. */
let secondText = '';

/**
 * The time as ISO 8601 text (`2026-01-02T03:04:05.678Z`), as audit events and log lines carry
 * it. Formatting a Date costs about half a microsecond, and a busy gateway asks once or more per
 * message: the text of the current second is kept and only the milliseconds are written anew
 * (and the whole text of the last millisecond is kept too).
 */
export function isoTime(ms: number = Date.now()): string {
  if (ms === lastMs) return lastText;
  const second = Math.floor(ms / 1000) * 1000;
  if (second !== secondMs) {
    const text = new Date(second).toISOString();
    // Years outside 0000 to 9999 have a longer form: those are formatted whole each time.
    if (text.length !== 24) return new Date(ms).toISOString();
    secondMs = second;
    secondText = text.slice(0, 19);
  }
  const milliseconds = ms - second;
  lastMs = ms;
  lastText = `${secondText}.${milliseconds < 10 ? '00' : milliseconds < 100 ? '0' : ''}${milliseconds}Z`;
  return lastText;
}
