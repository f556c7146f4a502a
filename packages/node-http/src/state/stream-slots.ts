import type { Subject } from '@gw/core';
import { subjectKey } from './subject-key.js';

/**
 * The long-lived streams (GET streams, subscriptions/listen) each subject holds, against
 * sessions.maxStreamsPerSubject: a stream holds a client connection and upstream connections
 * for as long as the client likes, so no subject may hold more than its share.
 */
export class SubjectStreams {
  private readonly held = new Map<string, number>();

  constructor(private readonly perSubject: number) {}

  /** Takes a place for one stream of the subject: a function that gives it back (once), or undefined at the bound. */
  take(subject: Subject): (() => void) | undefined {
    const key = subjectKey(subject);
    const count = this.held.get(key) ?? 0;
    if (count >= this.perSubject) return undefined;
    this.held.set(key, count + 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const left = (this.held.get(key) ?? 1) - 1;
      if (left === 0) this.held.delete(key);
      else this.held.set(key, left);
    };
  }
}
