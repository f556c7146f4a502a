#!/usr/bin/env node
// The mcp-gateway executable: runs the command line, then exits with its code.
import { main } from './cli.js';
import { processIo } from './io.js';

main(process.argv.slice(2), processIo()).then(
  (code) => {
    // Explicit exit: pools and timers of a stopped gateway must not keep the process alive.
    process.exit(code);
  },
  (error: unknown) => {
    // A bug, not an operator's mistake: one line on stderr, the stack only when asked for.
    const detail = error instanceof Error ? (process.env['MCP_GATEWAY_DEBUG'] ? (error.stack ?? error.message) : error.message) : String(error);
    process.stderr.write(`mcp-gateway: internal error: ${detail}\n`);
    process.exit(1);
  },
);
