import { isStatelessVersion } from '@gw/core/internal';
import type { UpstreamSession } from '../state/sessions.js';
import type { UpstreamEra } from './era.js';
import { SESSION_ERA } from './session-era.js';
import { STATELESS_ERA } from './stateless-era.js';

/** The era of an open upstream session, from the revision the upstream settled on. */
export function eraOf(upstream: UpstreamSession): UpstreamEra {
  return isStatelessVersion(upstream.protocolVersion) ? STATELESS_ERA : SESSION_ERA;
}

/**
 * The era to open an upstream with: the one it was last seen to speak, else the session era,
 * whose initialize a stateless-only upstream refuses naming its revision (then it discovers).
 */
export function eraToOpen(known: UpstreamEra | undefined): UpstreamEra {
  return known ?? SESSION_ERA;
}
