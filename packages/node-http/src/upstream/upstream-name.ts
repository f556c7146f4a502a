import type { ClientMessage, JsonRpcRequest } from '@gw/core';

/**
 * The message with its target under the name the upstream knows (the client used the prefixed or
 * renamed one the gateway showed): params.name of tools/call and prompts/get, params.ref.name of
 * a prompt completion. Resources keep their URIs, so they are never renamed.
 */
export function withUpstreamName(message: Extract<ClientMessage, { kind: 'request' | 'notification' }>, name: string): JsonRpcRequest {
  const params = message.params ?? {};
  const ref = params['ref'];
  if (message.method === 'completion/complete' && typeof ref === 'object' && ref !== null) {
    return { ...(message.message as JsonRpcRequest), params: { ...params, ref: { ...ref, name } } };
  }
  return { ...(message.message as JsonRpcRequest), params: { ...params, name } };
}
