#!/bin/sh
# One-time setup for the benchmark on a Debian machine: the peer servers ngIRCd and NATS
# (Debian packages ngircd and nats-server), then the load generator.
set -eu
missing=""
if ! command -v ngircd >/dev/null 2>&1 && [ ! -x /usr/sbin/ngircd ]; then missing="$missing ngircd"; fi
if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then
  missing="$missing nats-server"
fi
if [ -n "$missing" ]; then
  apt-get update
  # shellcheck disable=SC2086 # one word per package
  DEBIAN_FRONTEND=noninteractive apt-get install -y $missing
fi
"$(dirname "$0")/build-loadgen.sh"
