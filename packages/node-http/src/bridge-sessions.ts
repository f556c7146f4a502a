import { SESSION_PROTOCOL_VERSIONS, type ModernClient, type Subject } from '@gw/core';
import type { Session } from './sessions.js';
import { GATEWAY_NAME, GATEWAY_VERSION } from './version.js';

/**
 * The upstream sessions the gateway holds for stateless (2026-07-28) clients in front of
 * session-based upstreams. A stateless client has no session, so one is kept per subject and
 * declared client capabilities: the same caller reaches the same upstream state request after
 * request, and two callers never share one. Idle ones are closed here and upstream; the number
 * held is bounded. They live in this process: behind several replicas, each keeps its own.
 */
export class BridgeSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly draft: (subject: Subject, protocolVersion: string, params: Record<string, unknown>) => Session,
    private readonly limits: { idleTimeoutMs: number; maxSessions: number },
    private readonly onClose: (session: Session) => void,
  ) {
    this.timer = setInterval(() => this.sweep(Date.now()), Math.min(60_000, Math.max(1_000, limits.idleTimeoutMs / 4)));
    this.timer.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  /** The bridge session of a subject with these capabilities, opened on first use. */
  for(subject: Subject, client: ModernClient): Session {
    const key = `${subject.tenant}\0${subject.client}\0${subject.apiKeyId}\0${JSON.stringify(client.capabilities)}`;
    const now = Date.now();
    let session = this.sessions.get(key);
    if (session) {
      // Most recently used last, so the oldest is the first let go when the map is full.
      this.sessions.delete(key);
    } else {
      if (this.sessions.size >= this.limits.maxSessions) this.evictOldest();
      session = this.draft(subject, SESSION_PROTOCOL_VERSIONS[0]!, {
        protocolVersion: SESSION_PROTOCOL_VERSIONS[0]!,
        capabilities: client.capabilities,
        clientInfo: client.clientInfo ?? { name: GATEWAY_NAME, version: GATEWAY_VERSION },
      });
    }
    session.lastSeen = now;
    this.sessions.set(key, session);
    return session;
  }

  private evictOldest(): void {
    const [key, session] = this.sessions.entries().next().value ?? [];
    if (key === undefined || !session) return;
    this.sessions.delete(key);
    this.end(session);
  }

  private end(session: Session): void {
    session.closed.abort();
    this.onClose(session);
  }

  /** Closes every bridge session idle longer than the timeout. */
  sweep(now: number): void {
    for (const [key, session] of this.sessions) {
      if (now - session.lastSeen <= this.limits.idleTimeoutMs) continue;
      this.sessions.delete(key);
      this.end(session);
    }
  }

  /** Stops the sweeper and hands back every session, for shutdown. */
  drain(): Session[] {
    clearInterval(this.timer);
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const session of all) session.closed.abort();
    return all;
  }
}
