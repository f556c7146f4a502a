/**
 * The time as ISO 8601 text (`2026-01-02T03:04:05.678Z`), as audit events and log lines carry
 * it: `new Date(ms).toISOString()`, and nothing kept. A caller that asks often holds an IsoClock.
 */
export function isoTime(ms: number = Date.now()): string {
  return new Date(ms).toISOString();
}

/**
 * isoTime for a caller that asks once or more per message (a gateway's audit, a logger): formatting
 * a Date costs about half a microsecond, so the clock keeps the text of the current second and
 * writes only the milliseconds anew (and keeps the whole text of the last millisecond too). One
 * per owner, so two gateways in one process share nothing; its answers equal isoTime's.
 */
export class IsoClock {
  private lastMs = Number.NaN;
  private lastText = '';
  private secondMs = Number.NaN;
  /** `YYYY-MM-DDTHH:MM:SS` of the second that starts at secondMs. */
  private secondText = '';

  /** The ISO text of `ms` (now by default), equal to `new Date(ms).toISOString()`. */
  text(ms: number = Date.now()): string {
    if (ms === this.lastMs) return this.lastText;
    // A fraction of a millisecond is dropped by Date, not written: the plain way for those.
    if (!Number.isInteger(ms)) return new Date(ms).toISOString();
    const second = Math.floor(ms / 1000) * 1000;
    if (second !== this.secondMs) {
      const text = new Date(second).toISOString();
      // Years outside 0000 to 9999 have a longer form: those are formatted whole each time.
      if (text.length !== 24) return new Date(ms).toISOString();
      this.secondMs = second;
      this.secondText = text.slice(0, 19);
    }
    const milliseconds = ms - second;
    this.lastMs = ms;
    this.lastText = `${this.secondText}.${milliseconds < 10 ? '00' : milliseconds < 100 ? '0' : ''}${milliseconds}Z`;
    return this.lastText;
  }
}
