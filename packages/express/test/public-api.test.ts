import { describe, expect, it } from 'vitest';
import * as entry from '../src/index.js';

// The runtime names @gw/express exports. A change to its public surface is a change to this list:
// add or remove a name here on purpose, never as a side effect of moving code.

describe('@gw/express public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(entry).sort()).toEqual([
      'GatewayConfigError',
      'compileGateway',
      'mcpGateway',
    ]);
  });
});
