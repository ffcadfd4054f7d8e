#!/usr/bin/env sh
# Prepares roomcast to run (the lab's compile step): installs dependencies and builds dist/
# (the server, and the web client into dist/web).
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
