#!/bin/sh
# Build the C load generator into bench/.build/ (git-ignored). run.ts and loadgen.ts do this
# on demand; this script is for building by hand.
set -eu
cd "$(dirname "$0")/.."
mkdir -p bench/.build
gcc -O2 -o bench/.build/loadgen bench/loadgen.c
echo "built bench/.build/loadgen"
