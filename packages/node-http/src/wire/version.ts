/** The name the gateway gives itself in initialize results. */
export const GATEWAY_NAME = 'mcp-gateway';

/** This package's version (a test keeps it equal to package.json's). */
export const GATEWAY_VERSION = '0.1.0';
