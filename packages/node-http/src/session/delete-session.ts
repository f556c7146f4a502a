import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkRequest, findLiveSession } from '../http/request-checks.js';
import { sendDenial } from '../wire/respond.js';
import type { GatewayRuntime } from '../runtime.js';
import { closeSessionUpstreams } from '../upstream/upstream-sessions.js';

/** DELETE: the client ends its session, here and on every upstream it touched. */
export async function handleDelete(gw: GatewayRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const checked = checkRequest(gw, req);
  if (!checked.ok) return sendDenial(res, checked, null);
  const found = await findLiveSession(gw, req, res, checked.subject);
  if (!found.ok) return sendDenial(res, found, null);
  gw.sessions.end(found.session);
  // With a shared store, every replica refuses the id from now on, whatever its upstreams keep.
  await gw.shared?.end(found.session);
  // With sealed ids, the upstreams forgetting their sessions is what ends the session on the other replicas.
  await closeSessionUpstreams(gw, found.session);
  res.writeHead(200);
  res.end();
}
