#!/usr/bin/env bash
# Cold build time of the local toolchain (the default set `npm start` needs), as a new user's first
# start does it: see bench/toolchain-cold.ts. Run it with nothing else on the machine.
# Goal: <= 12 min on 2 cores. Usage: bash bench/toolchain-cold.sh [--only COMPONENT,...]
set -euo pipefail
cd "$(dirname "$0")/.."
exec npx tsx bench/toolchain-cold.ts "$@"
