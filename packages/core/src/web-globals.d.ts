// The web-platform globals @gw/core relies on: present in Node >= 18, Deno, Bun, browsers and
// workers. Declared here (instead of pulling in @types/node or the DOM lib) so the compiler
// rejects any other platform API creeping into core.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: Uint8Array): string;
}
