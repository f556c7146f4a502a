import type { ServerResponse } from 'node:http';
import type { Denial, JsonRpcId, MessageResult } from '@gw/core';
import type { PostAudit } from '../ops/audit-trail.js';
import type { GatewayRuntime } from '../runtime.js';
import { sendDenial } from '../wire/respond.js';

/**
 * Answers a POST refused as a whole with the denial, counted and audited (one event per message
 * read). Here, below both eras, because the shared front (front.ts) and the session era's POST
 * (session/post.ts) both refuse this way.
 */
export function refusePost(
  gw: GatewayRuntime,
  res: ServerResponse,
  audit: PostAudit | undefined,
  items: readonly MessageResult[] | undefined,
  denial: Denial,
  id: JsonRpcId | null,
  headers: Record<string, string> = {},
): void {
  sendDenial(res, denial, id, headers);
  gw.metrics.message(denial.name);
  audit?.refused(items, denial);
}
