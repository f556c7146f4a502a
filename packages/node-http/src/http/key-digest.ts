import { hash } from 'node:crypto';
import type { KeyDigest } from '@gw/core';

/**
 * SHA-256 of a presented API key with node:crypto: about twice as fast as core's portable
 * one (@noble/hashes), and authentication runs on every request. Returns a reused view.
 */
export function createNodeKeyDigest(): KeyDigest {
  const words = new Uint32Array(8);
  return (key) => {
    const digest = hash('sha256', key, 'buffer');
    for (let i = 0; i < 8; i++) words[i] = digest.readUInt32BE(i * 4);
    return words;
  };
}
