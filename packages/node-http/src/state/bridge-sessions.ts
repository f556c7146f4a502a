import type { Subject } from '@gw/core';
import { SESSION_PROTOCOL_VERSIONS, type StatelessClient } from '@gw/core/internal';
import type { Session } from './sessions.js';
import { subjectKey } from './subject-key.js';
import { GATEWAY_NAME, GATEWAY_VERSION } from '../wire/version.js';

/**
 * The upstream sessions the gateway holds for stateless (2026-07-28) clients in front of
 * session-based upstreams. A stateless client has no session, so one is kept per subject and
 * declared client capabilities: the same caller reaches the same upstream state request after
 * request, and two callers never share one. Idle ones are closed here and upstream. The number
 * held is bounded per subject (sessions.maxPerSubject: past it, the subject's own least recently
 * used one goes) and in all (sessions.maxSessions: past it, the least recently used one of the
 * subject holding the most goes), so one subject's load never closes another's while there is
 * room. They live in this process: behind several replicas, each keeps its own.
 */
export class BridgeSessions {
  /** By subject (subjectKey), then by subject and capabilities; least recently used first in each. */
  private readonly bySubject = new Map<string, Map<string, Session>>();
  private held = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly draft: (subject: Subject, protocolVersion: string, params: Record<string, unknown>) => Session,
    private readonly limits: { idleTimeoutMs: number; maxSessions: number; maxPerSubject: number },
    private readonly onClose: (session: Session) => void,
  ) {
    this.timer = setInterval(() => this.sweep(Date.now()), Math.min(60_000, Math.max(1_000, limits.idleTimeoutMs / 4)));
    this.timer.unref();
  }

  get size(): number {
    return this.held;
  }

  /** The bridge session of a subject with these capabilities, opened on first use. */
  for(subject: Subject, client: StatelessClient): Session {
    const owner = subjectKey(subject);
    const key = `${subject.apiKeyId}\0${client.declared}`;
    let mine = this.bySubject.get(owner);
    let session = mine?.get(key);
    if (session) {
      // Most recently used last, so the oldest is the first let go.
      mine!.delete(key);
    } else {
      if (mine && mine.size >= this.limits.maxPerSubject) this.evictOldest(owner, mine);
      else if (this.held >= this.limits.maxSessions) this.evictFromLargest();
      session = this.draft(subject, SESSION_PROTOCOL_VERSIONS[0]!, {
        protocolVersion: SESSION_PROTOCOL_VERSIONS[0]!,
        capabilities: client.capabilities,
        clientInfo: client.clientInfo ?? { name: GATEWAY_NAME, version: GATEWAY_VERSION },
      });
      this.held++;
      mine = this.bySubject.get(owner);
      if (!mine) this.bySubject.set(owner, (mine = new Map()));
    }
    session.lastSeen = Date.now();
    mine!.set(key, session);
    return session;
  }

  /** The table is full: the subject holding the most gives up its least recently used one. */
  private evictFromLargest(): void {
    let largest: [string, Map<string, Session>] | undefined;
    for (const entry of this.bySubject) if (!largest || entry[1].size > largest[1].size) largest = entry;
    if (largest) this.evictOldest(largest[0], largest[1]);
  }

  private evictOldest(owner: string, mine: Map<string, Session>): void {
    const [key, session] = mine.entries().next().value ?? [];
    if (key === undefined || !session) return;
    this.forget(owner, mine, key);
    this.end(session);
  }

  private forget(owner: string, mine: Map<string, Session>, key: string): void {
    mine.delete(key);
    this.held--;
    if (mine.size === 0) this.bySubject.delete(owner);
  }

  private end(session: Session): void {
    session.closed.abort();
    this.onClose(session);
  }

  /** Closes every bridge session idle longer than the timeout. */
  sweep(now: number): void {
    for (const [owner, mine] of this.bySubject) {
      for (const [key, session] of mine) {
        if (now - session.lastSeen <= this.limits.idleTimeoutMs) continue;
        this.forget(owner, mine, key);
        this.end(session);
      }
    }
  }

  /** Stops the sweeper and hands back every session, for shutdown. */
  drain(): Session[] {
    clearInterval(this.timer);
    const all = [...this.bySubject.values()].flatMap((mine) => [...mine.values()]);
    this.bySubject.clear();
    this.held = 0;
    for (const session of all) session.closed.abort();
    return all;
  }
}
