#!/usr/bin/env bash
# make bench: zkgate and a real ZooKeeper 3.8 side by side.
#
# Starts bin/zkgate (built by make) and the Debian package's ZooKeeper
# (fsync on, default settings but maxClientCnxns=0, standalone) on loopback, each with its data
# in a fresh directory on the same disk, then runs `zkgate bench suite`:
# every workload against ZooKeeper, zkgate's ZooKeeper port, zkgate's gRPC
# API, and raw etcd put/range on zkgate's own etcd member and on a plain etcd
# member (e2e/bench/plainetcd, etcd's defaults), one after the
# other, BENCH_ROUNDS (default 3) rounds of each, the servers alternated
# round by round, and prints the medians with zkgate/ZooKeeper ratios (the
# median of the rounds' ratios).
#
# Then create, create-ephemeral, set, get, mixed and children again on
# ZooKeeper and zkgate's ZooKeeper port at the same fixed rate, BENCH_EQUAL
# (default 0.5) of the slower one's median ops/s, for their latencies under
# the same load (bench suite --equal-load; 0 skips it). Then the watch
# workload again with BENCH_WATCHERS (default 1,000) sessions watching one
# node.
#
# Settings go through to the suite: BENCH_ARGS="--duration 20s" make
# bench. BENCH_JSON=file writes the results as JSON instead, every round
# included.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
zkgate="$root/bin/zkgate"
# shellcheck source=e2e/bench/lib.sh
. "$root/e2e/bench/lib.sh"
check_tools
work=$(mktemp -d "${TMPDIR:-/tmp}/zkgate-bench.XXXXXX")
pids=()
trap cleanup EXIT

client=$(port); peer=$(port); zkport=$(port); refport=$(port); eclient=$(port); epeer=$(port)
print_machine
start_zkgate "$client" "$peer" "$zkport"
start_zookeeper "$refport" "maxClientCnxns=0" # every session comes from 127.0.0.1
# A plain etcd member of the etcd modules zkgate embeds, with etcd's
# defaults: the reference of the put and range rows.
(cd "$root" && go build -o "$work/plainetcd" ./e2e/bench/plainetcd)
"$work/plainetcd" --data-dir "$work/etcd" --client "http://127.0.0.1:$eclient" --peer "http://127.0.0.1:$epeer" >>"$work/plainetcd.log" 2>&1 &
pids+=("$!")
wait_serving "$zkport" "$refport"

suite() {
	# BENCH_ARGS is split into words on purpose.
	# shellcheck disable=SC2086
	"$zkgate" bench suite --zookeeper "127.0.0.1:$refport" --zkgate-zk "127.0.0.1:$zkport" \
		--rounds "${BENCH_ROUNDS:-3}" "$@" ${BENCH_ARGS:-}
}

# Every workload with the suite's defaults (32 clients), then watch with
# BENCH_WATCHERS (1,000) sessions watching one node.
watchers=${BENCH_WATCHERS:-1000}
if [ -n "${BENCH_JSON:-}" ]; then
	suite --zkgate-grpc "http://127.0.0.1:$client" --etcd "http://127.0.0.1:$client" --plain-etcd "http://127.0.0.1:$eclient" --equal-load "${BENCH_EQUAL:-0.5}" --json >"$BENCH_JSON"
	suite --workloads watch --clients "$watchers" --json >"${BENCH_JSON%.json}-watch$watchers.json"
	echo "results in $BENCH_JSON and ${BENCH_JSON%.json}-watch$watchers.json"
else
	suite --zkgate-grpc "http://127.0.0.1:$client" --etcd "http://127.0.0.1:$client" --plain-etcd "http://127.0.0.1:$eclient" --equal-load "${BENCH_EQUAL:-0.5}"
	echo
	echo "watch with $watchers watchers:"
	suite --workloads watch --clients "$watchers"
fi
