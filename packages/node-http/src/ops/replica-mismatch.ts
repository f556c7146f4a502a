import type { Denial } from '@gw/core';
import { deny } from '@gw/core/internal';
import type { GatewayLogger } from './logger.js';
import type { GatewayMetrics } from './metrics.js';

/**
 * Why a well-formed sealed id cannot be served here although nothing says it is forged: the
 * replica that sealed it was configured differently (another secret, or an upstream declared
 * with another URL under the same name). Defined here, with how a mismatch is counted and
 * answered, so the sealer (state/session-token.ts) looks down to ops, never ops up to state.
 */
export type ReplicaMismatch = { cause: 'secret' } | { cause: 'upstream'; upstream: string };

/** How often one cause is logged at most: a forged id, or a misconfigured fleet, must not flood the log. */
const LOG_INTERVAL_MS = 60_000;

/**
 * Sealed ids this replica cannot serve because it is configured otherwise than the replica that
 * sealed them: each is counted in /metrics, logged at most once a minute per cause (the causes
 * are bounded: the secret, or an upstream this replica declares), and answered 503, never a 404
 * that would make the client drop a session that other replicas still serve.
 */
export class ReplicaMismatches {
  /** When each cause was last logged. */
  private readonly logged = new Map<string, number>();

  constructor(
    private readonly logger: GatewayLogger,
    private readonly metrics: GatewayMetrics,
  ) {}

  /** Counts and (throttled) logs one mismatch, and gives the client's answer. */
  report(mismatch: ReplicaMismatch, now = Date.now()): Denial {
    const upstream = mismatch.cause === 'upstream' ? mismatch.upstream : '';
    this.metrics.replicaMismatch(mismatch.cause, upstream);
    const key = `${mismatch.cause}\n${upstream}`;
    const last = this.logged.get(key);
    if (last === undefined || now - last >= LOG_INTERVAL_MS) {
      this.logged.set(key, now);
      this.logger.error(
        mismatch.cause === 'secret'
          ? 'a sealed session id names a session secret this replica does not have: give every replica the same sessions.secrets (logged at most once a minute)'
          : `a sealed session id carries upstream "${upstream}" as another replica declares it (another URL): give every replica the same upstreams (logged at most once a minute)`,
        { event: 'session_replica_mismatch', cause: mismatch.cause, ...(upstream ? { upstream } : {}) },
      );
    }
    return mismatchDenial(mismatch);
  }
}

/** The answer to a sealed id this replica cannot serve: which configuration differs, and that another replica may serve it. */
export function mismatchDenial(mismatch: ReplicaMismatch): Denial {
  const what =
    mismatch.cause === 'secret'
      ? 'this replica does not have the session secret that sealed this session id'
      : `this replica declares upstream "${mismatch.upstream}" otherwise than the replica that sealed this session id`;
  return deny('SESSION_REPLICA_MISMATCH', `${what}; the session is intact, and a replica configured like the one that issued it can serve it`);
}
