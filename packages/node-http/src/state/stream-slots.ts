import { authorizeStream, deny, type Denial, type Subject } from '@gw/core';
import type { GatewayRuntime } from '../runtime.js';
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

/**
 * Admits a client's new stream: the subject must have the right to one (authorizeStream in
 * core) and a place among its sessions.maxStreamsPerSubject. Gives the function that frees the
 * place when the stream ends, or the denial to answer with. Checked before any upstream work,
 * so a subject with no right to a stream costs the upstreams nothing.
 */
export function admitStream(gw: GatewayRuntime, subject: Subject): { ok: true; release: () => void } | Denial {
  const allowed = authorizeStream(gw.core.policy, subject);
  if (!allowed.ok) return allowed;
  const release = gw.streams.take(subject);
  if (!release) return deny('TOO_MANY_STREAMS', `this client holds sessions.maxStreamsPerSubject (${gw.options.sessions.maxStreamsPerSubject}) streams already; close one first`);
  return { ok: true, release };
}

/** The refusal for a stream that would open on an upstream with all its upstreams[].maxStreams places taken, if one would. */
export function upstreamStreamsFull(gw: GatewayRuntime, upstreams: Iterable<string>): Denial | undefined {
  for (const name of upstreams) {
    const client = gw.upstreams.get(name);
    if (client && client.openStreams >= client.maxStreams) {
      return deny('STREAMS_EXHAUSTED', `upstream "${name}" has its upstreams[].maxStreams (${client.maxStreams}) streams open; try again later`);
    }
  }
  return undefined;
}
