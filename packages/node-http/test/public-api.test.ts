import { describe, expect, it } from 'vitest';
import * as entry from '../src/index.js';

// The runtime names @gw/node-http exports. A change to its public surface is a change to this list:
// add or remove a name here on purpose, never as a side effect of moving code.

describe('@gw/node-http public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(entry).sort()).toEqual([
      'GATEWAY_NAME',
      'GATEWAY_VERSION',
      'GatewayConfigError',
      'SERVER_TIMEOUTS',
      'compileGateway',
      'createGateway',
      'createGatewayServer',
      'createRedisRateLimitStore',
      'serverTimeouts',
    ]);
  });
});
