#!/usr/bin/env bash
# The whole test suite: installs what it needs, then format, lint, type checks, build and tests.
# Usage: ./test.sh [test files...]   (no files: every test/**/*.test.ts)
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

# The browser tests drive Debian's Chromium (never a downloaded browser).
if [ ! -x /usr/bin/chromium ]; then
  echo "== installing chromium (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q chromium >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }
fi

echo "== format"; npx prettier --check . --log-level warn
echo "== lint"; npx eslint --max-warnings 0 .
echo "== types"; npx tsc -p tsconfig.json --noEmit; npx tsc -p web/tsconfig.json
echo "== build"; npm run --silent build

if [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(find test -name '*.test.ts' | sort)
fi
echo "== tests (${#files[@]} files)"
exec node --import tsx --test --test-concurrency=2 --test-timeout=180000 "${files[@]}"
