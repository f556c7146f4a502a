import { createHash } from 'node:crypto';
import { splitEventId } from '../upstream/relay.js';

/**
 * Event ids of the client's merged GET stream carry every upstream's position on it: the last
 * event id each upstream's GET stream gave, so a GET with Last-Event-ID, on any replica, resumes
 * every upstream's stream where the client left it, with no shared state. A POST's stream has one
 * upstream and keeps the `<upstream>:<id>` ids of relay.ts.
 *
 * Layout: `~` then one entry per upstream, joined by `~`: `<upstream>=<tag>.<base64url of its id>`.
 * Upstream names cannot hold `~` or `=` and cannot start with `~`, so the two kinds never mix. The
 * tag is a short hash of the upstream session the id was given in: a position is used only with
 * the upstream session it belongs to, never sent to another one (an upstream that restarted, or
 * a session another replica opened for itself), which would not know it.
 */

/** Longest upstream event id a position carries; an upstream with longer ids is resumed freshly. */
export const MAX_POSITION_CHARS = 256;

/** Longest merged event id: positions that would not fit are left out (those upstreams resume freshly). */
export const MAX_MERGED_ID_CHARS = 2_048;

const MARK = '~';
const TAG_CHARS = 8;
const ENTRY = /^([A-Za-z0-9][A-Za-z0-9._-]*)=([A-Za-z0-9_-]{8})\.([A-Za-z0-9_-]+)$/;

/** Names the upstream session a position belongs to, without showing its id. */
export function sessionTag(sessionId: string | undefined): string {
  return createHash('sha256')
    .update(sessionId ?? '')
    .digest('base64url')
    .slice(0, TAG_CHARS);
}

/** One upstream's place on the merged stream. */
export interface Position {
  /** sessionTag of the upstream session whose stream gave the id. */
  tag: string;
  /** The upstream's own event id. */
  id: string;
}

/** What a Last-Event-ID asks to resume. */
export type Resumption =
  /** The merged GET stream: every upstream's, each from its position when it has one. */
  | { kind: 'merged'; positions: Map<string, Position> }
  /** One upstream's stream (a POST's SSE answer): the event id names the upstream that answered. */
  | { kind: 'stream'; upstream: string; id: string };

/** The positions of one merged stream, as events pass; gives the event id for each. */
export class StreamPositions {
  /** Encoded entries by upstream, most recently moved last. */
  private readonly entries = new Map<string, string>();

  constructor(start?: ReadonlyMap<string, Position>) {
    if (start) for (const [name, position] of start) this.set(name, position.tag, position.id);
  }

  /** Moves an upstream's position; an id too long to carry drops it (that upstream resumes freshly). */
  set(name: string, tag: string, id: string): void {
    this.entries.delete(name);
    if (id.length === 0 || id.length > MAX_POSITION_CHARS) return;
    this.entries.set(name, `${name}=${tag}.${Buffer.from(id, 'utf8').toString('base64url')}`);
  }

  delete(name: string): void {
    this.entries.delete(name);
  }

  /** The event id for the client: every position that fits, the most recently moved first. */
  eventId(): string {
    let out = '';
    for (const entry of [...this.entries.values()].reverse()) {
      if (MARK.length + out.length + MARK.length + entry.length > MAX_MERGED_ID_CHARS) continue;
      out += MARK + entry;
    }
    return out === '' ? MARK : out;
  }
}

/**
 * What a client's Last-Event-ID asks for, or undefined when it is no id this gateway gives: not
 * one of either kind, too long, an entry twice, or an id that is not text an upstream could have
 * sent (the SSE id field holds no CR, LF or NUL).
 */
export function parseLastEventId(value: string): Resumption | undefined {
  if (!value.startsWith(MARK)) {
    const one = splitEventId(value);
    return one && { kind: 'stream', upstream: one.upstream, id: one.id };
  }
  if (value.length > MAX_MERGED_ID_CHARS) return undefined;
  const positions = new Map<string, Position>();
  if (value === MARK) return { kind: 'merged', positions };
  for (const entry of value.slice(MARK.length).split(MARK)) {
    const match = ENTRY.exec(entry);
    if (!match) return undefined;
    const [, name, tag, encoded] = match as unknown as [string, string, string, string];
    if (positions.has(name)) return undefined;
    const id = Buffer.from(encoded, 'base64url').toString('utf8');
    // One spelling per id: what does not decode back to the same text was not written here.
    if (id.length === 0 || id.length > MAX_POSITION_CHARS || /[\r\n\0]/.test(id) || Buffer.from(id, 'utf8').toString('base64url') !== encoded) return undefined;
    positions.set(name, { tag, id });
  }
  return { kind: 'merged', positions };
}
