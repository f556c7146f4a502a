import { describe, expect, it } from 'vitest';
import { isoTime } from '../src/index.js';

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
});
