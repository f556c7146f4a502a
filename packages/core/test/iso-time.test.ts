import { describe, expect, it } from 'vitest';
import { IsoClock, isoTime } from '../src/internal.js';

/** Instants around the edges that matter: seconds, days, leap days, years, the 4- and 6-digit year forms, before 1970. */
const STARTS = [0, -1, -1_000, 1_767_225_599_990, 1_767_323_045_000, 951_782_399_995, 253_402_300_799_990, -62_167_219_200_010, 8_639_999_999_999_990, -8_640_000_000_000_000];

describe('isoTime', () => {
  it('gives the ISO text of the millisecond asked for, whether it is the one before or not', () => {
    for (const ms of [0, 1_767_323_045_678, 1_767_323_045_678, 1_767_323_045_679, 1_767_323_045_678]) {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
    const before = Date.now();
    const now = Date.parse(isoTime());
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('agrees with Date.toISOString across seconds, days, years and the edges of its range', () => {
    for (const start of STARTS) {
      for (let ms = start; ms < start + 25 && ms <= 8_640_000_000_000_000; ms++) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
    // Going back and forth between seconds as well as forward.
    for (const ms of [5_123, 1_005, 5_124, 999, 1_000, 0, 86_400_000, 86_399_999]) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
  });
});

describe('IsoClock', () => {
  it('agrees with Date.toISOString forward, backward, across seconds and years, years past 9999 and before 0 included', () => {
    const clock = new IsoClock();
    const check = (ms: number): void => expect(clock.text(ms), String(ms)).toBe(new Date(ms).toISOString());
    for (const start of STARTS) {
      for (let ms = start; ms < start + 2_050 && ms <= 8_640_000_000_000_000; ms += 7) check(ms);
      // The same instants again, backward: the clock goes back to seconds it left.
      for (let ms = Math.min(start + 2_050, 8_640_000_000_000_000); ms >= start; ms -= 13) check(ms);
    }
    // Jumps between far instants, each asked twice in a row (the kept millisecond) and then again later.
    const jumps = [5_123, 1_005, 5_124, 999, 1_000, 0, -1, 86_400_000, 86_399_999, 253_402_300_800_000, 253_402_300_799_999, 1_767_323_045_678, 5_123, 253_402_300_800_001];
    for (const ms of jumps) {
      check(ms);
      check(ms);
    }
    // A spread of instants in an order that is neither forward nor backward.
    let ms = 0;
    for (let i = 0; i < 5_000; i++) {
      ms = (ms * 7_919 + 104_729 + i * 1_000_003) % 300_000_000_000_000;
      check(ms - 62_000_000_000_000);
    }
    // What Date drops: fractions of a millisecond.
    for (const fraction of [1.5, -1.5, 1_767_323_045_678.25, 999.999]) check(fraction);
  });

  it('tells the time now by default, and two clocks keep nothing in common', () => {
    const a = new IsoClock();
    const b = new IsoClock();
    const before = Date.now();
    const now = Date.parse(a.text());
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
    // Each keeps its own second: one moved elsewhere changes nothing the other answers.
    expect(a.text(1_767_323_045_678)).toBe('2026-01-02T03:04:05.678Z');
    expect(b.text(1_000)).toBe('1970-01-01T00:00:01.000Z');
    expect(a.text(1_767_323_045_679)).toBe('2026-01-02T03:04:05.679Z');
    expect(b.text(1_001)).toBe('1970-01-01T00:00:01.001Z');
  });
});
