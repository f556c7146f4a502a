import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compileGateway, type GatewayOptions } from '../src/index.js';
import { readCredential } from '../src/internal.js';

const sha = (key: string) => `sha256:${createHash('sha256').update(key).digest('hex')}`;

function gateway(auth: GatewayOptions['auth']) {
  return compileGateway({ auth, upstreams: [{ name: 'up', url: 'http://127.0.0.1:1/mcp' }] });
}

const keyed = gateway({
  apiKeys: [
    { id: 'dev', key: 'dev_key_1', tenant: 'acme', client: 'ide' },
    { id: 'prod', keyHash: sha('prod-key-2'), tenant: 'acme', client: 'bot' },
    { keyHash: sha('no-id-key').toUpperCase().replace('SHA256:', 'sha256:'), tenant: 'globex' },
  ],
});

describe('authentication from headers', () => {
  it('accepts the key in every header the gateway documents', () => {
    const forms = [
      { authorization: 'Bearer dev_key_1' },
      { authorization: 'Api-Key dev_key_1' },
      { authorization: 'bearer dev_key_1' },
      { authorization: 'API-KEY   dev_key_1  ' },
      { 'x-api-key': 'dev_key_1' },
      { 'api-key': 'dev_key_1' },
    ];
    for (const headers of forms) {
      expect(keyed.authenticate(headers), JSON.stringify(headers)).toEqual({
        ok: true,
        subject: { tenant: 'acme', client: 'ide', apiKeyId: 'dev' },
      });
    }
  });

  it('matches hashed keys, in either hex case, and names id-less keys by position', () => {
    expect(keyed.authenticate({ 'x-api-key': 'prod-key-2' })).toMatchObject({ ok: true, subject: { client: 'bot', apiKeyId: 'prod' } });
    expect(keyed.authenticate({ 'x-api-key': 'no-id-key' })).toEqual({
      ok: true,
      subject: { tenant: 'globex', client: 'default', apiKeyId: 'apiKeys[2]' },
    });
  });

  it('answers 401 with a challenge when no key is sent', () => {
    const result = keyed.authenticate({});
    expect(result).toMatchObject({ ok: false, name: 'UNAUTHENTICATED', status: 401, headers: { 'www-authenticate': expect.stringMatching(/^Bearer/) } });
  });

  it('reads a header with a long run of inner spaces in linear time', () => {
    const started = performance.now();
    expect(keyed.authenticate({ authorization: `Bearer a${' '.repeat(100_000)}b` })).toMatchObject({ ok: false });
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('answers 401 for a wrong key, a near miss, an empty value and an oversized value', () => {
    for (const value of ['dev_key_2', 'dev_key_1 ', 'DEV_KEY_1', 'x'.repeat(5000)]) {
      const result = keyed.authenticate({ authorization: `Bearer ${value}x` });
      expect(result, value).toMatchObject({ ok: false, name: 'INVALID_CREDENTIALS', status: 401 });
    }
    expect(keyed.authenticate({ 'x-api-key': '   ' })).toMatchObject({ ok: false, name: 'UNAUTHENTICATED' });
    expect(keyed.authenticate({ authorization: 'Bearer' })).toMatchObject({ ok: false, name: 'UNAUTHENTICATED' });
  });

  it('names an unsupported Authorization scheme instead of silently ignoring it', () => {
    const result = keyed.authenticate({ authorization: 'Basic ZGV2OmtleQ==' });
    expect(result).toMatchObject({ ok: false, name: 'UNAUTHENTICATED', error: { message: expect.stringContaining('"Basic"') } });
  });

  it('rejects two different keys in one request, but accepts the same key sent twice', () => {
    expect(keyed.authenticate({ authorization: 'Bearer dev_key_1', 'x-api-key': 'prod-key-2' })).toMatchObject({
      ok: false,
      name: 'AMBIGUOUS_CREDENTIALS',
      status: 401,
    });
    expect(keyed.authenticate({ 'x-api-key': ['dev_key_1', 'prod-key-2'] })).toMatchObject({ ok: false, name: 'AMBIGUOUS_CREDENTIALS' });
    expect(keyed.authenticate({ authorization: 'Bearer dev_key_1', 'api-key': 'dev_key_1' })).toMatchObject({ ok: true });
  });

  it('uses a Bearer key when an unrelated scheme is also present', () => {
    expect(keyed.authenticate({ authorization: ['Basic abc', 'Bearer dev_key_1'] })).toMatchObject({ ok: true, subject: { apiKeyId: 'dev' } });
  });

  it('never puts the key in what it returns', () => {
    const text = JSON.stringify([keyed.authenticate({ 'x-api-key': 'dev_key_1' }), keyed.authenticate({ 'x-api-key': 'dev_key_1x' })]);
    expect(text).not.toContain('dev_key_1');
  });

  it('rejects everyone when apiKey mode has no keys', () => {
    expect(gateway({ mode: 'apiKey' }).authenticate({ 'x-api-key': 'anything' })).toMatchObject({ ok: false, name: 'INVALID_CREDENTIALS' });
  });

  it('gives everyone the anonymous subject in mode none, whatever they send', () => {
    const open = gateway({ mode: 'none' });
    expect(open.authenticate({})).toEqual({ ok: true, subject: { tenant: 'anonymous', client: 'anonymous', apiKeyId: null } });
    expect(open.authenticate({ 'x-api-key': 'whatever' })).toMatchObject({ ok: true, subject: { tenant: 'anonymous' } });
  });
});

describe('readCredential', () => {
  it('reports none, one or a conflict', () => {
    expect(readCredential({})).toEqual({ kind: 'none' });
    expect(readCredential({ 'api-key': 'k' })).toEqual({ kind: 'one', value: 'k' });
    expect(readCredential({ 'api-key': 'k', 'x-api-key': 'j' })).toEqual({ kind: 'conflict' });
    expect(readCredential({ authorization: '' })).toMatchObject({ kind: 'none', problem: expect.stringContaining('malformed') });
    expect(readCredential({ authorization: 'Bearer' })).toMatchObject({ kind: 'none', problem: expect.stringContaining('malformed') });
    expect(readCredential({ authorization: 'Basic x' })).toMatchObject({ kind: 'none', problem: expect.stringContaining('"Basic"') });
  });
});

describe('key lookup cost', () => {
  it('finds the right subject among 10,000 keys', () => {
    const apiKeys = Array.from({ length: 10_000 }, (_, i) => ({ id: `k${i}`, key: `key-${i}`, tenant: `t${i % 100}`, client: `c${i}` }));
    const big = gateway({ apiKeys });
    expect(big.authenticate({ 'x-api-key': 'key-9876' })).toEqual({ ok: true, subject: { tenant: 't76', client: 'c9876', apiKeyId: 'k9876' } });
    expect(big.authenticate({ 'x-api-key': 'key-10000' })).toMatchObject({ ok: false });
  });
});
