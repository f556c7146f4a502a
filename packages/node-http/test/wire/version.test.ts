import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { GATEWAY_VERSION } from '../../src/wire/version.js';

describe('GATEWAY_VERSION', () => {
  it('is the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(GATEWAY_VERSION).toBe(pkg.version);
  });
});
