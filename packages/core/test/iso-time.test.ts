import { describe, expect, it } from 'vitest';
import { isoTime } from '../src/internal.js';

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
    const starts = [0, -1, -1_000, 1_767_225_599_990, 1_767_323_045_000, 951_782_399_995, 253_402_300_799_990, -62_167_219_200_010];
    for (const start of starts) {
      for (let ms = start; ms < start + 25; ms++) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
    // Going back and forth between seconds as well as forward.
    for (const ms of [5_123, 1_005, 5_124, 999, 1_000, 0, 86_400_000, 86_399_999]) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
  });
});
