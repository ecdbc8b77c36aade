#!/usr/bin/env bash
# Cold build time of each toolchain component on this machine, one after another, from an empty
# Go module cache, Go build cache and toolchain cache (all temporary; the real caches are not
# touched). Downloads go through the Go module proxy. Takes ~15-25 min on 2 cores.
# Usage: bash bench/toolchain-cold.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d /tmp/gkeflow-cold-XXXX)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
export GOMODCACHE="$tmp/gomod" GOCACHE="$tmp/gobuild" GKEFLOW_CACHE_DIR="$tmp/cache"
printf '%-12s %10s   %s\n' component seconds "anchor: first build in this project's session (in parallel), docs/local-stack.md"
for c in temporal kubernetes etcd kwok registry; do
  t0=$(date +%s)
  npx gkeflow stack toolchain --only "$c" >/dev/null 2>"$tmp/$c.log" || { cat "$tmp/$c.log"; exit 1; }
  printf '%-12s %10s\n' "$c" "$(( $(date +%s) - t0 ))"
done
echo "toolchain cache: $(du -sh "$GKEFLOW_CACHE_DIR/toolchain" | cut -f1), Go module cache: $(du -sh "$GOMODCACHE" | cut -f1), Go build cache: $(du -sh "$GOCACHE" | cut -f1)"
