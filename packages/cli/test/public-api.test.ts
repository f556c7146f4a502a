import { describe, expect, it } from 'vitest';
import * as entry from '../src/index.js';

// The runtime names @gw/cli exports. A change to its public surface is a change to this list:
// add or remove a name here on purpose, never as a side effect of moving code.

describe('@gw/cli public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(entry).sort()).toEqual([
      'CLI_VERSION',
      'COMMANDS',
      'DRAIN_MS',
      'EXIT',
      'HEALTH_USAGE',
      'ROUTES_USAGE',
      'RUN_USAGE',
      'RedisStartError',
      'SERVER_TIMEOUTS',
      'USAGE',
      'UsageError',
      'VALIDATE_USAGE',
      'applyEnvOverrides',
      'auditApplies',
      'checkConfig',
      'configWarnings',
      'connectRedisStore',
      'createAuditWriter',
      'createCliLogger',
      'createGatewayServer',
      'environmentName',
      'explainRoute',
      'formatHealth',
      'formatProblem',
      'formatRoutingTable',
      'healthCommand',
      'healthUrlFrom',
      'healthUrlFromConfig',
      'hideUrlCredentials',
      'issueProblem',
      'loadConfigFile',
      'locate',
      'main',
      'parseExplainMessage',
      'processIo',
      'routesCommand',
      'runCommand',
      'summarizeConfig',
      'validateCommand',
    ]);
  });
});
