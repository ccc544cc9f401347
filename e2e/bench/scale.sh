#!/usr/bin/env bash
# make bench-scale: zkgate and a real ZooKeeper 3.8 at scale, one after
# the other (so neither takes memory or CPU from the other).
#
# For each server: start it with its defaults (ZooKeeper with
# maxClientCnxns=0, since every session comes from 127.0.0.1, and the
# JVM's default heap), run `zkgate bench scale` (load 1,000,000 znodes of
# 256 B through the ZooKeeper protocol, RSS, getChildren of a parent of
# 100,000 children, 10,000 sessions, 100,000 watches), then restart it
# with that data and time until a session reads the tree again. Prints
# both side by side with zkgate/ZooKeeper ratios.
#
# Settings go through: SCALE_ARGS="--znodes 200000 --big 20000" make
# bench-scale. SCALE_JSON=dir keeps the two JSON results there.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
zkgate="$root/bin/zkgate"
# shellcheck source=e2e/bench/lib.sh
. "$root/e2e/bench/lib.sh"
check_tools
work=$(mktemp -d "${TMPDIR:-/tmp}/zkgate-scale.XXXXXX")
pids=()
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
out=${SCALE_JSON:-$work}
mkdir -p "$out"
print_machine

# scale LABEL PID ZKPORT [FLAG...]: the scale run against one server.
scale() {
	local label=$1 pid=$2 p=$3
	shift 3
	# SCALE_ARGS is split into words on purpose.
	# shellcheck disable=SC2086
	"$zkgate" bench scale --zk "127.0.0.1:$p" --pid "$pid" --label "$label" "$@" ${SCALE_ARGS:-} --json >"$out/$label.json"
}

# Live heap after a GC: zkgate through its pprof listener, ZooKeeper's JVM
# through jcmd (a JDK's; without one, RSS only).
jvm=()
if command -v jcmd >/dev/null; then jvm=(--jvm); else echo "no jcmd (a JDK): ZooKeeper's live heap is not measured"; fi

zkport=$(port)
start_zookeeper "$zkport" "maxClientCnxns=0"
wait_serving "$zkport"
scale ZooKeeper "$zookeeper_pid" "$zkport" "${jvm[@]}"
stop "$zookeeper_pid"
start_zookeeper "$zkport" "maxClientCnxns=0"
zk_restart=$("$zkgate" bench ready --zk "127.0.0.1:$zkport" --path /scale/big)
zk_rss=$(rss_mib "$zookeeper_pid")
stop "$zookeeper_pid"

client=$(port); peer=$(port); gport=$(port); pprof=$(port)
start_zkgate "$client" "$peer" "$gport" --pprof-listen "127.0.0.1:$pprof"
wait_serving "$gport"
scale zkgate "$zkgate_pid" "$gport" --pprof "http://127.0.0.1:$pprof"
stop "$zkgate_pid"
start_zkgate "$client" "$peer" "$gport"
gate_restart=$("$zkgate" bench ready --zk "127.0.0.1:$gport" --path /scale/big)
gate_rss=$(rss_mib "$zkgate_pid")
stop "$zkgate_pid"

echo
"$zkgate" bench scale-report "$out/ZooKeeper.json" "$out/zkgate.json"
echo
echo "restart with the data, until a session reads it (s): ZooKeeper $zk_restart, zkgate $gate_restart"
echo "RSS right after that restart: ZooKeeper $zk_rss, zkgate $gate_rss"
echo "data on disk: ZooKeeper $(du -sh "$work/zk/data" | cut -f1), zkgate $(du -sh "$work/zkgate" | cut -f1)"
