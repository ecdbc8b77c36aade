#!/usr/bin/env bash
# Cold build time of the local toolchain (the default set `npm start` needs) on this machine, in
# one `gkeflow stack toolchain` run as a new user's first start does it: empty Go module cache, Go
# build cache and toolchain cache (all temporary; the real caches are not touched). The run shares
# one private Go cache across components and removes it at the end. Downloads go through the Go
# module proxy. Run it with nothing else on the machine. Goal: <= 12 min on 2 cores.
# Usage: bash bench/toolchain-cold.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d /tmp/gkeflow-cold-XXXX)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
export GOMODCACHE="$tmp/gomod" GOCACHE="$tmp/gobuild" GKEFLOW_CACHE_DIR="$tmp/cache"
t0=$(date +%s)
npx gkeflow stack toolchain >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; exit 1; }
total=$(( $(date +%s) - t0 ))
grep -E '^(toolchain: )?built ' "$tmp/build.log" || true
printf '%-28s %6ss   goal <= 720 s (12 min, 2 cores); anchor: 1662 s (27.7 min, one Go cache per component, loaded machine)\n' "cold toolchain, whole set" "$total"
left=$(ls "$GKEFLOW_CACHE_DIR/toolchain/go-cache" 2>/dev/null | wc -l)
echo "toolchain cache: $(du -sh "$GKEFLOW_CACHE_DIR/toolchain" | cut -f1); private Go caches left behind: $left; user Go caches filled: $(du -sh "$GOMODCACHE" "$GOCACHE" 2>/dev/null | wc -l)"
