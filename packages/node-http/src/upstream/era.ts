import type { Session, UpstreamSession } from '../state/sessions.js';
import type { ForwardedHeaders } from './forward-headers.js';
import type { UpstreamClient } from './upstream-client.js';

/** What opening an upstream session for a client session takes. */
export interface Opening {
  readonly client: UpstreamClient;
  readonly session: Session;
  /** What of the client's headers may reach the upstream. */
  readonly forwarded: ForwardedHeaders;
  /** Told what the upstream declared as soon as it has, whether or not the opening then completes. */
  learned(upstream: UpstreamSession): void;
}

/** A message as one upstream takes it, with the headers its era adds. */
export interface Outgoing {
  readonly body: string | Uint8Array;
  readonly headers: Readonly<Record<string, string>> | undefined;
}

/**
 * How the gateway speaks to an upstream of one era: "session" (the 2025 revisions: initialize,
 * a session id, a GET stream) or "stateless" (2026-07-28: every request self-contained). The
 * two differ in these points and no others; the rest of the gateway asks an upstream's era
 * (eraOf, or what UpstreamFacts learned) instead of comparing revisions.
 */
export interface UpstreamEra {
  readonly name: 'session' | 'stateless';
  /**
   * What the gateway keeps per client session on the upstream: a session it opened
   * (initialize), or the upstream's capabilities (server/discover). Throws UpstreamSessionError.
   */
  open(opening: Opening): Promise<UpstreamSession>;
  /** The message as the upstream takes it; undefined when the era has no place for it (nothing is sent). */
  outgoing(body: string | Uint8Array, session: Session, forwarded: ForwardedHeaders): Outgoing | undefined;
  /** Whether HTTP 404 to a message is the upstream refusing it in its own words, rather than a session it forgot. */
  readonly refusesWith404: boolean;
  /**
   * How its list changes and resource updates reach the gateway: on the upstream session's GET
   * stream (resources/subscribe for updates), or through a subscriptions/listen of the gateway's own.
   */
  readonly reportsChangesBy: 'get-stream' | 'listen';
  /** How it takes a client's log level: a logging/setLevel request, or in every request's _meta. */
  readonly takesLogLevelBy: 'request' | 'meta';
  /**
   * How it asks the client for input inside a call: with server-to-client requests of its own, or
   * with input_required results the gateway turns into rounds (and whose requestState is its own).
   */
  readonly asksInputBy: 'server-requests' | 'input-required';
  /** Ends what open() opened, best effort and bounded in time. */
  close(client: UpstreamClient, upstream: UpstreamSession): Promise<void>;
}
