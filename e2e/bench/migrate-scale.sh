#!/usr/bin/env bash
# make bench-migrate: zkgate migrate at scale. Starts a real ZooKeeper 3.8
# and zkgate (defaults), loads ZNODES (1,000,000) znodes of 256 B into
# ZooKeeper with `zkgate bench scale`, copies them with `zkgate migrate`
# and checks the result with `zkgate diff`, timing both.
#
# ZNODES=200000 make bench-migrate for a shorter run; MIGRATE_ARGS go to
# zkgate migrate (--parallel 64).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
zkgate="$root/bin/zkgate"
# shellcheck source=e2e/bench/lib.sh
. "$root/e2e/bench/lib.sh"
check_tools
work=$(mktemp -d "${TMPDIR:-/tmp}/zkgate-migrate.XXXXXX")
pids=()
trap cleanup EXIT
print_machine
znodes=${ZNODES:-1000000}

zkport=$(port); client=$(port); peer=$(port); gport=$(port)
start_zookeeper "$zkport" "maxClientCnxns=0"
start_zkgate "$client" "$peer" "$gport"
wait_ruok "$zkport" "$gport"

echo "loading $znodes znodes into ZooKeeper ..."
"$zkgate" bench scale --zk "127.0.0.1:$zkport" --pid "$zookeeper_pid" --znodes "$znodes" --big $((znodes / 10)) \
	--sessions 0 --watches 0 --label ZooKeeper >/dev/null

ends=(--from "127.0.0.1:$zkport" --to "http://127.0.0.1:$client" --path /scale)
start=$(date +%s.%N)
# MIGRATE_ARGS is split into words on purpose.
# shellcheck disable=SC2086
"$zkgate" migrate "${ends[@]}" ${MIGRATE_ARGS:-} 2>/dev/null
took=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - s}')
echo "migrate: $znodes znodes in $took s, $(awk -v n="$znodes" -v t="$took" 'BEGIN {printf "%.0f", n / t}') znodes/s"

start=$(date +%s.%N)
"$zkgate" diff "${ends[@]}"
took=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - s}')
echo "diff: $took s"
