#!/bin/sh
# Builds the gateway CLI and the demo MCP server from a checkout of this repository, then puts
# each with its production dependencies only (no TypeScript, no test tools) under OUT:
#
#   OUT/gateway/         node OUT/gateway/dist/bin.js run -c config.yml
#   OUT/demo-upstream/   node OUT/demo-upstream/dist/demo-upstream/main.js
#
# The Dockerfile's build stage runs exactly this (from the repository root, the build context);
# examples/docker/image.test.ts runs it too, in a temporary copy of the same context.
set -eu
OUT=${1:?usage: sh examples/docker/build.sh <output directory>}

pnpm install --frozen-lockfile
pnpm -r build
# A copy of each package with its own node_modules holding production dependencies only, at the
# versions in pnpm-lock.yaml (injected: the shared lockfile is used, nothing is resolved anew);
# workspace packages it uses (@gw/core, @gw/node-http) are copied in as their published files.
pnpm --config.inject-workspace-packages=true --filter @gw/cli deploy --prod "$OUT/gateway"
pnpm --config.inject-workspace-packages=true --filter @gw/examples deploy --prod "$OUT/demo-upstream"
# The examples package publishes no files list, so its compiled output is copied in by hand.
rm -rf "$OUT/demo-upstream/dist"
cp -R examples/dist "$OUT/demo-upstream/dist"
cp examples/docker/healthcheck.mjs "$OUT/gateway/healthcheck.mjs"
