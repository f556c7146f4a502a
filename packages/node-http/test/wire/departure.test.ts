import { describe, expect, it } from 'vitest';
import { Departure } from '../../src/wire/departure.js';
import { Rng } from '../support/rng.js';

// Departure is the gateway's cancellation of what it does for a client, kept instead of an
// AbortController per request (bench/primitives.mjs: about 100 times cheaper, several µs per
// request saved). It must behave as the plain way does: an AbortSignal's 'abort' listeners,
// once each, in the order added, a removed one never called, and (as every caller checks
// `signal.aborted` first) one added after the abort called at once.

/** The plain way: the same three operations on an AbortController. */
class PlainDeparture {
  private readonly controller = new AbortController();
  get gone(): boolean {
    return this.controller.signal.aborted;
  }
  on(callback: () => void): () => void {
    const signal = this.controller.signal;
    if (signal.aborted) {
      callback();
      return () => undefined;
    }
    signal.addEventListener('abort', callback, { once: true });
    return () => signal.removeEventListener('abort', callback);
  }
  leave(): void {
    this.controller.abort();
  }
}

interface Trial {
  on(callback: () => void): () => void;
  leave(): void;
  readonly gone: boolean;
}

/** Runs one random script of operations on a departure; returns what was called, in order, and `gone` after each step. */
function run(make: () => Trial, seed: number): string[] {
  const rng = new Rng(seed);
  const departure = make();
  const log: string[] = [];
  const cancels: (() => void)[] = [];
  const steps = 1 + rng.int(40);
  for (let step = 0; step < steps; step++) {
    const roll = rng.int(10);
    if (roll < 5) {
      const name = `cb${step}`;
      // A callback that cancels another, or registers one more, as the gateway's do now and then.
      const nested = rng.int(4);
      // Which one it cancels is chosen when it runs: one added before it or after.
      const pick = rng.next();
      cancels.push(
        departure.on(() => {
          log.push(name);
          if (nested === 0) cancels[Math.floor(pick * cancels.length)]?.();
          if (nested === 1) departure.on(() => log.push(`${name}-late`));
        }),
      );
    } else if (roll < 8 && cancels.length > 0) {
      cancels[rng.int(cancels.length)]!();
    } else if (roll === 8) {
      departure.leave();
    } else if (cancels.length > 0) {
      // Cancelling twice, or after the departure, does nothing.
      const cancel = cancels[rng.int(cancels.length)]!;
      cancel();
      cancel();
    }
    log.push(`gone=${departure.gone}`);
  }
  departure.leave();
  departure.leave();
  log.push(`end gone=${departure.gone}`);
  return log;
}

describe('Departure', () => {
  it('calls, skips and orders callbacks as an AbortController does, over 5,000 random scripts', () => {
    for (let seed = 1; seed <= 5_000; seed++) {
      expect(run(() => new Departure(), seed), `seed ${seed}`).toEqual(run(() => new PlainDeparture(), seed));
    }
  });
});
