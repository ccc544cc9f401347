#!/usr/bin/env bash
# make bench-migrate: zkgate migrate at scale, both ways. Starts a real
# ZooKeeper 3.8 and zkgate (defaults), loads ZNODES (1,000,000) znodes of
# 256 B into ZooKeeper with `zkgate bench scale`, copies them with `zkgate
# migrate` and checks the result with `zkgate diff`; then the way back:
# copies zkgate's tree into a second, empty ZooKeeper 3.8 (--to zk://) and
# diffs it, and runs --follow's first pass the same way back into empty
# chroots of that ZooKeeper, from zkgate's ZooKeeper port and from its
# client URL; timing each.
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

zkport=$(port); client=$(port); peer=$(port); gport=$(port); backport=$(port)
start_zookeeper "$zkport" "maxClientCnxns=0"
start_zkgate "$client" "$peer" "$gport"
wait_serving "$zkport" "$gport"

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

# The way back: zkgate's tree into an empty ZooKeeper.
start_zookeeper_in zkback "$backport" "maxClientCnxns=0"
wait_serving "$backport"
back=(--from "http://127.0.0.1:$client" --to "zk://127.0.0.1:$backport" --path /scale)
start=$(date +%s.%N)
# shellcheck disable=SC2086
"$zkgate" migrate "${back[@]}" ${MIGRATE_ARGS:-} 2>/dev/null
took=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - s}')
echo "migrate back: $znodes znodes in $took s, $(awk -v n="$znodes" -v t="$took" 'BEGIN {printf "%.0f", n / t}') znodes/s"

start=$(date +%s.%N)
"$zkgate" diff "${back[@]}"
took=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - s}')
echo "diff back: $took s"

# --follow's first pass, the way back, into an empty chroot of the second
# ZooKeeper: the time until it reports the copy done.
start=$(date +%s.%N)
fifo=$work/follow.out
mkfifo "$fifo"
# shellcheck disable=SC2086
"$zkgate" migrate --follow --from "127.0.0.1:$gport" --to "zk://127.0.0.1:$backport/follow" --path /scale ${MIGRATE_ARGS:-} >"$fifo" 2>/dev/null &
follow_pid=$!
pids+=("$follow_pid")
read -r line <"$fifo"
took=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - s}')
kill "$follow_pid" 2>/dev/null || true
echo "$line"
echo "migrate --follow back, first pass: $znodes znodes in $took s, $(awk -v n="$znodes" -v t="$took" 'BEGIN {printf "%.0f", n / t}') znodes/s"

# The same from zkgate's client URL: one recursive watch, then the copy.
start=$(date +%s.%N)
fifo=$work/follow-url.out
mkfifo "$fifo"
# shellcheck disable=SC2086
"$zkgate" migrate --follow --from "http://127.0.0.1:$client" --to "zk://127.0.0.1:$backport/follow-url" --path /scale ${MIGRATE_ARGS:-} >"$fifo" 2>/dev/null &
follow_pid=$!
pids+=("$follow_pid")
read -r line <"$fifo"
took=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - s}')
kill "$follow_pid" 2>/dev/null || true
echo "$line"
echo "migrate --follow back from the client URL, first pass: $znodes znodes in $took s, $(awk -v n="$znodes" -v t="$took" 'BEGIN {printf "%.0f", n / t}') znodes/s"
