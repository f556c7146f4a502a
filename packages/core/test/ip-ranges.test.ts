import { describe, expect, it } from 'vitest';
import { ipRangeMatcher, isIpRange, parseIp } from '../src/ip-ranges.js';

describe('addresses and ranges (server.trustedProxies)', () => {
  it('parses IPv4, IPv6 (compressed, bracketed, with an IPv4 tail) and refuses anything else', () => {
    expect(parseIp('127.0.0.1')).toEqual([127, 0, 0, 1]);
    expect(parseIp('::1')).toEqual([...new Array<number>(15).fill(0), 1]);
    expect(parseIp('[::1]')).toEqual(parseIp('::1'));
    expect(parseIp('::ffff:10.1.2.3')).toEqual([10, 1, 2, 3]);
    expect(parseIp('::1.2.3.4')).toEqual([...new Array<number>(12).fill(0), 1, 2, 3, 4]);
    expect(parseIp('2001:db8::1')).toEqual([0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 1]);
    expect(parseIp('1:2:3:4:5:6:7:8')).toHaveLength(16);
    for (const bad of ['1:2:3:4:5:6:7:8:9', '256.1.1.1', 'abc', '1::2::3', '', '1.2.3', 'unknown', '_hidden', '10.0.0.1, 10.0.0.2', '010.0.0.1', '10.00.0.1', '::ffff:010.0.0.1']) expect(parseIp(bad), bad).toBeUndefined();
  });

  it('takes addresses and CIDR ranges, and nothing else, as entries', () => {
    for (const good of ['10.0.0.0/8', '127.0.0.1', '::1', '::1/128', 'fd00::/8', '::ffff:10.0.0.0/104', '0.0.0.0/0']) expect(isIpRange(good), good).toBe(true);
    for (const bad of ['1.2.3.4/33', 'x/8', '10.0.0.0/', 'localhost', '*', '10.0.0.0/-1', '::/129']) expect(isIpRange(bad), bad).toBe(false);
  });

  it('matches an address against the ranges, an IPv4-mapped IPv6 address as its IPv4 one', () => {
    const trusted = ipRangeMatcher(['10.0.0.0/8', '::1', 'fd00::/8', '::ffff:192.168.0.0/112']);
    for (const inside of ['10.9.9.9', '::1', '::ffff:10.2.3.4', 'fd12::5', '192.168.3.4']) expect(trusted(inside), inside).toBe(true);
    for (const outside of ['11.0.0.1', 'fe00::1', '192.169.0.1', 'junk', '127.0.0.1', '']) expect(trusted(outside), outside).toBe(false);
    expect(ipRangeMatcher([])('10.0.0.1')).toBe(false);
  });
});

describe('server.trustedProxies and server.forwardedHeaders in the options', () => {
  it('take addresses and ranges, refuse anything else, and default to trusting no one', async () => {
    const { validateOptions } = await import('../src/validate-options.js');
    const upstreams = [{ name: 'up', url: 'http://127.0.0.1:9/mcp' }];
    const plain = validateOptions({ upstreams });
    expect(plain.ok && plain.options.server).toMatchObject({ trustedProxies: [], forwardedHeaders: 'x-forwarded' });
    expect(validateOptions({ upstreams, server: { trustedProxies: ['10.0.0.0/8', '::1'], forwardedHeaders: 'forwarded' } }).ok).toBe(true);
    for (const bad of ['localhost', '*', '10.0.0.0/40']) {
      const result = validateOptions({ upstreams, server: { trustedProxies: [bad] } });
      expect(result.ok, bad).toBe(false);
      if (!result.ok) expect(result.issues[0]).toMatchObject({ code: 'ERR_GW_INVALID_VALUE', path: ['server', 'trustedProxies', 0] });
    }
    expect(validateOptions({ upstreams, server: { forwardedHeaders: 'x-real-ip' } }).ok).toBe(false);
  });
});
