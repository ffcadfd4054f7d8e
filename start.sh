#!/usr/bin/env sh
# Starts roomcast on the given port, on all interfaces (the lab's entry point): ./start.sh PORT
# Installs and builds on first use; any further arguments go to `roomcast serve`.
set -eu
cd "$(dirname "$0")"
if [ $# -lt 1 ]; then
  echo "usage: ./start.sh PORT [roomcast serve options]" >&2
  exit 2
fi
port=$1
shift
if [ ! -f dist/cli/main.js ] || [ ! -f dist/web/index.html ] || [ ! -d node_modules ]; then
  ./compile.sh >&2
fi
# Each connection is a file descriptor: allow as many as the system lets this user have.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
# No V8 flags: the server gives back the heap a storm of new connections grew once the storm
# is over (src/cli/heap-trim.ts), so it no longer caps the young generation, which slowed
# bursts of messages.
exec node dist/cli/main.js serve --port "$port" "$@"
