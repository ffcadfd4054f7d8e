#!/bin/sh
# One-time setup for the benchmark on a Debian machine: ngIRCd (the baseline) and the loadgen.
set -eu
if ! command -v ngircd >/dev/null 2>&1 && [ ! -x /usr/sbin/ngircd ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y ngircd
fi
"$(dirname "$0")/build-loadgen.sh"
