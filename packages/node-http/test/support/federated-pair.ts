import type { GatewayOptions } from '@gw/core';
import { startFederatedUpstream, type FederatedUpstream } from './federated-upstream.js';
import { startGateway, type RunningGateway } from './gateway.js';

/** Two session-based upstreams, alpha and beta, federated behind one gateway. */
export interface FederatedPair {
  alpha: FederatedUpstream;
  beta: FederatedUpstream;
  gw: RunningGateway;
  close(): Promise<void>;
}

/** Starts alpha, beta and a gateway in front of both whose policy lets the given keys do anything. */
export async function startFederatedPair(apiKeys: NonNullable<GatewayOptions['auth']>['apiKeys']): Promise<FederatedPair> {
  const alpha = await startFederatedUpstream({ name: 'alpha' });
  const beta = await startFederatedUpstream({ name: 'beta' });
  const gw = await startGateway({
    auth: { apiKeys },
    policy: { rules: [{ allow: { methods: ['*'], tools: ['*'], resources: ['*'], prompts: ['*'] } }] },
    upstreams: [
      { name: 'alpha', url: alpha.url, timeoutMs: 5_000 },
      { name: 'beta', url: beta.url, timeoutMs: 5_000 },
    ],
  });
  return {
    alpha,
    beta,
    gw,
    close: async () => {
      await gw.close();
      await alpha.close();
      await beta.close();
    },
  };
}
