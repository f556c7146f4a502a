import type { ServerCapabilities } from '@gw/core/internal';
import type { Session, UpstreamSession } from '../state/sessions.js';
import type { UpstreamEra } from './era.js';
import { eraOf } from './era-of.js';

/** What an upstream declared when it was last opened. */
export interface UpstreamProfile {
  capabilities: ServerCapabilities;
  instructions?: string;
}

/**
 * What one gateway has learned about each of its upstreams, in one place: the era it speaks and
 * what it offers, from the last time a session with it opened. Per gateway (two gateways in a
 * process learn apart); an upstream not opened yet is unknown.
 */
export class UpstreamFacts {
  private readonly eras = new Map<string, UpstreamEra>();
  private readonly profiles = new Map<string, UpstreamProfile>();
  /** Openings under way to learn an upstream's profile, so a burst of clients shares one. */
  private readonly learning = new Map<string, Promise<void>>();

  /** Records what an upstream answered when a session with it opened. */
  opened(name: string, upstream: UpstreamSession): void {
    this.eras.set(name, eraOf(upstream));
    this.profiles.set(name, upstream.instructions === undefined ? { capabilities: upstream.capabilities } : { capabilities: upstream.capabilities, instructions: upstream.instructions });
  }

  /** The era the upstream was last seen to speak. */
  era(name: string): UpstreamEra | undefined {
    return this.eras.get(name);
  }

  /** The era of the upstream as `session` uses it: its open upstream session's, else the last seen. */
  eraIn(session: Session, name: string): UpstreamEra | undefined {
    const open = session.ready.get(name);
    return open === undefined ? this.eras.get(name) : eraOf(open);
  }

  /** What the upstream offers, once known. */
  profile(name: string): UpstreamProfile | undefined {
    return this.profiles.get(name);
  }

  /**
   * Runs `open` to learn the upstream, unless another caller is already doing so: then this one
   * waits for that, so a burst of clients after a restart does not open one session each.
   */
  learn(name: string, open: () => Promise<unknown>): Promise<void> {
    const pending = this.learning.get(name);
    if (pending) return pending;
    const learning = open().then(
      () => undefined,
      () => undefined,
    );
    this.learning.set(name, learning);
    void learning.finally(() => this.learning.delete(name));
    return learning;
  }
}
