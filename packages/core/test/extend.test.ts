import { describe, expect, it } from 'vitest';
import { extend } from '../src/internal.js';

describe('extend', () => {
  it('gives what a spread of both would give, in the same key order, without touching either', () => {
    const base = { a: 1, b: 2 };
    const fields = { b: 3, c: 4 };
    const out = extend(base, fields);
    expect(out).toEqual({ ...base, ...fields });
    expect(Object.keys(out)).toEqual(['a', 'b', 'c']);
    expect(base).toEqual({ a: 1, b: 2 });
    expect(fields).toEqual({ b: 3, c: 4 });
  });

  it('copies the base alone when there are no fields', () => {
    const base = { a: 1 };
    const out = extend(base, undefined);
    expect(out).toEqual(base);
    expect(out).not.toBe(base);
  });

  it('keeps a __proto__ key of parsed JSON as data, never as the prototype of the copy', () => {
    const hostile = JSON.parse('{"__proto__":{"polluted":true},"params":{}}') as Record<string, unknown>;
    for (const out of [extend(hostile, { id: 1 }), extend({ id: 1 }, hostile)] as Record<string, unknown>[]) {
      expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
      expect(out['polluted']).toBeUndefined();
      // Carried on as the client sent it, as a spread would.
      expect(JSON.parse(JSON.stringify(out))).toEqual({ ...hostile, id: 1 });
    }
  });
});
