import type { ServerResponse } from 'node:http';

/**
 * The client going away, as a flag and a list of things to stop. An AbortController per
 * request costs more than the rest of the gateway's bookkeeping together (EventTarget
 * machinery: about 4 µs a request against 40 ns, bench/primitives.mjs), and nothing here needs
 * more than this; it behaves as one would (test/wire/departure.test.ts).
 */
export class Departure {
  private callbacks: (() => void)[] | undefined;
  /** True once the client has gone. */
  gone = false;

  /** Runs `callback` when the client goes (at once if it has); returns a function that cancels it. */
  on(callback: () => void): () => void {
    if (this.gone) {
      callback();
      return () => undefined;
    }
    (this.callbacks ??= []).push(callback);
    return () => {
      const index = this.callbacks?.indexOf(callback) ?? -1;
      if (index !== -1) this.callbacks!.splice(index, 1);
    };
  }

  /** The client has gone: stop everything done for it. */
  leave(): void {
    if (this.gone) return;
    this.gone = true;
    const callbacks = this.callbacks;
    if (!callbacks) return;
    // Taken from the live list, in order: one that an earlier callback cancels is not called,
    // as an AbortSignal's removed listener is not (test/wire/departure.test.ts holds the two equal).
    while (callbacks.length > 0) callbacks.shift()!();
    this.callbacks = undefined;
  }
}

const DEPARTURE = Symbol('departure');

/** One listener function for every response: the departure it ends rides on the response. */
function leaveIfUnfinished(this: ServerResponse & { [DEPARTURE]?: Departure }): void {
  if (!this.writableFinished) this[DEPARTURE]?.leave();
}

/**
 * The departure of the client of a response: it comes when the response closes before it has
 * finished (the client went away). No function is made per response for it.
 */
export function departureOf(res: ServerResponse): Departure {
  const departure = new Departure();
  (res as ServerResponse & { [DEPARTURE]?: Departure })[DEPARTURE] = departure;
  res.on('close', leaveIfUnfinished);
  return departure;
}
