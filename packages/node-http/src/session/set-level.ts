import type { Denial, JsonRpcRequest } from '@gw/core';
import { deny } from '@gw/core/internal';
import { askUpstreams, type FanOutContext } from '../federation/fan-out.js';
import type { GatewayRuntime } from '../runtime.js';

/**
 * logging/setLevel concerns every upstream, each keeping its own level: it is sent to each one
 * that offers logging (or whose capabilities are not known yet), and succeeds when one of them
 * took it. The client sees the upstreams' log messages at the level it asked for.
 */
export async function answerSetLevel(gw: GatewayRuntime, context: FanOutContext, request: JsonRpcRequest): Promise<Denial | undefined> {
  // A stateless upstream has no logging/setLevel: it gets the level with every request instead.
  const level = request.params?.['level'];
  const names = [...gw.upstreams.keys()];
  const inMeta = names.some((upstream) => gw.facts.era(upstream)?.takesLogLevelBy === 'meta');
  if (typeof level === 'string' && inMeta) context.session.logLevel = level;
  const upstreams = names.filter((upstream) => {
    const profile = gw.facts.profile(upstream);
    return gw.facts.era(upstream)?.takesLogLevelBy !== 'meta' && (profile === undefined || profile.capabilities['logging'] !== undefined);
  });
  if (upstreams.length === 0) {
    if (inMeta && typeof level === 'string') return answer(context, request);
    return refuse(context, request, deny('NO_ROUTE', 'no upstream offers logging'));
  }
  const replies = await askUpstreams(gw, context, upstreams, { id: request.id, method: request.method, params: () => request.params });
  const taken = replies.some((reply) => reply.ok);
  if (!taken) {
    const first = replies[0]!;
    if (!first.ok && first.denial) return refuse(context, request, first.denial);
    // Every upstream refused it in JSON-RPC terms (a bad level, say): the client gets that refusal.
    const error = !first.ok && typeof first.error?.code === 'number' && typeof first.error.message === 'string' ? first.error : { code: -32603, message: 'no upstream took the log level' };
    const response = { jsonrpc: '2.0', id: request.id, error };
    context.answer.event({ data: JSON.stringify(response) }, response);
    return undefined;
  }
  return answer(context, request);
}

function answer(context: FanOutContext, request: JsonRpcRequest): undefined {
  const response = { jsonrpc: '2.0', id: request.id, result: {} };
  context.answer.event({ data: JSON.stringify(response) }, response);
  return undefined;
}

function refuse(context: FanOutContext, request: JsonRpcRequest, denial: Denial): Denial {
  context.answer.fail(request.id, denial);
  return denial;
}
