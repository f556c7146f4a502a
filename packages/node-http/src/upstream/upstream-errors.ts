import type { Denial } from '@gw/core';
import { deny } from '@gw/core/internal';

/** Thrown inside an upstream session's opening promise so every waiter sees the same denial. */
export class UpstreamSessionError extends Error {
  constructor(readonly denial: Denial) {
    super(denial.error.message);
  }
}

/** An upstream HTTP status the gateway cannot pass on as it is. */
export function badStatus(name: string, status: number, what: string): Denial {
  const why = status === 401 || status === 403 ? ' (check upstreams[].auth: the gateway\'s credential for it)' : '';
  return deny('UPSTREAM_BAD_RESPONSE', `upstream "${name}" answered ${what} with HTTP ${status}${why}`);
}
