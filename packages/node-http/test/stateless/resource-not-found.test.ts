import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFederatedPair, type FederatedPair } from '../support/federated-pair.js';
import { post, type RunningGateway } from '../support/gateway.js';

// A 2026-07-28 client reading a resource that no upstream of a federation serves: the revision
// answers a resource that does not exist with -32602 and the URI (server/resources, Error
// Handling), not with -32601 as for a method.

const KEY = 'read-key';
const VERSION = '2026-07-28';
const META = { 'io.modelcontextprotocol/protocolVersion': VERSION, 'io.modelcontextprotocol/clientCapabilities': {} };
let pair: FederatedPair;
let gw: RunningGateway;

beforeAll(async () => {
  pair = await startFederatedPair([{ key: KEY, tenant: 'acme' }]);
  gw = pair.gw;
});

afterAll(async () => {
  await pair?.close();
});

function read(uri: string) {
  return post(gw.url, { jsonrpc: '2.0', id: 9, method: 'resources/read', params: { uri, _meta: META } }, { accept: 'application/json', 'x-api-key': KEY, 'mcp-protocol-version': VERSION, 'mcp-method': 'resources/read', 'mcp-name': uri });
}

describe('resources/read of a resource no upstream serves, from a stateless client', () => {
  it('is -32602 with the URI in data, not a missing method', async () => {
    const answer = await read('nowhere://missing');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ id: 9, error: { code: -32602, data: { uri: 'nowhere://missing' } } });
  });

  it('still reads a resource an upstream serves', async () => {
    const answer = await read('beta://readme');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: 9, result: { contents: [{ uri: 'beta://readme' }] } });
  });
});
