import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, InMemoryServerEventBus, McpServer } from '@modelcontextprotocol/server';
import type { GatewayOptions } from '@gw/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/v4';
import { post, startGateway, type RunningGateway } from '../support/gateway.js';
import { openListen, waitFor } from '../support/listen-stream.js';

// subscriptions/listen from a 2026-07-28 client through the gateway to a stateless upstream (the
// official 2.x SDK server, legacy requests refused): the gateway opens a listen of its own there
// and passes on what the client asked for, tagged with the client's listen id.

const KEY = 'listen-key';
const VERSION = '2026-07-28';
const META = { 'io.modelcontextprotocol/protocolVersion': VERSION, 'io.modelcontextprotocol/clientCapabilities': {} };

/** The upstream's change events; each open listen there is one of its listeners. */
const bus = new InMemoryServerEventBus();
const handler = createMcpHandler(
  () => {
    const server = new McpServer({ name: 'listening', version: '1.0.0' }, { capabilities: { tools: { listChanged: true }, prompts: { listChanged: true }, resources: { subscribe: true } } });
    // Announces a change of every kind the moment it is called.
    server.registerTool('publish', { description: 'announces changes', inputSchema: z.object({}) }, async () => {
      handler.notify.promptsChanged();
      handler.notify.toolsChanged();
      handler.notify.resourceUpdated('up://watched');
      return { content: [{ type: 'text', text: 'published' }] };
    });
    server.registerPrompt('hello', { description: 'a greeting' }, () => ({ messages: [{ role: 'user', content: { type: 'text', text: 'hello' } }] }));
    server.registerResource('watched', 'up://watched', { mimeType: 'text/plain' }, (uri) => ({ contents: [{ uri: uri.href, text: 'watched' }] }));
    return server;
  },
  { legacy: 'reject', bus },
);
const upstream = createServer(toNodeHandler(handler));
let gw: RunningGateway;

beforeAll(async () => {
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const options: GatewayOptions = {
    auth: { apiKeys: [{ key: KEY, tenant: 'acme' }] },
    policy: { rules: [{ allow: { methods: ['*'], tools: ['*'], resources: ['*'], prompts: ['*'] } }] },
    upstreams: [{ name: 'up', url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/mcp`, timeoutMs: 5_000 }],
  };
  gw = await startGateway(options);
});

afterAll(async () => {
  await gw?.close();
  await handler.close();
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});


describe('subscriptions/listen in front of a stateless upstream', () => {
  it('acknowledges once the upstream did, then passes on the changes asked for, tagged with the client\'s id, and ends the upstream listen with the client\'s', async () => {
    const listen = await openListen(gw.url, { 'x-api-key': KEY }, { id: 'listen-7', params: { notifications: { toolsListChanged: true, resourceSubscriptions: ['up://watched'] }, _meta: META } });
    const { response, messages } = listen;
    expect(response.status).toBe(200);
    await waitFor(() => messages.length > 0);
    expect(messages[0]).toMatchObject({
      method: 'notifications/subscriptions/acknowledged',
      params: { notifications: { toolsListChanged: true, resourceSubscriptions: ['up://watched'] }, _meta: { 'io.modelcontextprotocol/subscriptionId': 'listen-7' } },
    });
    // The upstream's listen is open by the time the client hears the acknowledgement.
    expect(bus.listenerCount).toBe(1);

    const call = await post(gw.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'publish', arguments: {}, _meta: META } }, { 'x-api-key': KEY, 'mcp-protocol-version': VERSION, 'mcp-method': 'tools/call', 'mcp-name': 'publish' });
    expect(call.status).toBe(200);
    await waitFor(() => messages.some((message) => message.method === 'notifications/resources/updated') && messages.some((message) => message.method === 'notifications/tools/list_changed'));
    const tag = { _meta: { 'io.modelcontextprotocol/subscriptionId': 'listen-7' } };
    expect(messages.find((message) => message.method === 'notifications/tools/list_changed')).toMatchObject({ params: tag });
    expect(messages.find((message) => message.method === 'notifications/resources/updated')).toMatchObject({ params: { uri: 'up://watched', ...tag } });
    // Prompt changes were not asked for.
    expect(messages.map((message) => message.method)).not.toContain('notifications/prompts/list_changed');

    await listen.close();
    await waitFor(() => bus.listenerCount === 0);
    expect(bus.listenerCount).toBe(0);
  });
});
