import type { Denial } from '@gw/core';
import { deny } from '@gw/core/internal';

/** Thrown inside an upstream session's opening promise so every waiter sees the same denial. */
export class UpstreamSessionError extends Error {
  constructor(readonly denial: Denial) {
    super(denial.error.message);
  }
}

/**
 * The upstream does not speak the era it was opened in (a stateless upstream's server/discover
 * did not offer the revision): it may have been redeployed as the other era.
 */
export class EraRefusedError extends UpstreamSessionError {}

/** An upstream HTTP status the gateway cannot pass on as it is. */
export function badStatus(name: string, status: number, what: string): Denial {
  const why = status === 401 || status === 403 ? ' (check upstreams[].auth: the gateway\'s credential for it)' : '';
  return deny('UPSTREAM_BAD_RESPONSE', `upstream "${name}" answered ${what} with HTTP ${status}${why}`);
}
