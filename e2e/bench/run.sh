#!/usr/bin/env bash
# make bench: zkgate and a real ZooKeeper 3.8 side by side.
#
# Starts bin/zkgate (built by make) and the Debian package's ZooKeeper
# (fsync on, default settings, standalone) on loopback, each with its data
# in a fresh directory on the same disk, then runs `zkgate bench suite`:
# every workload against ZooKeeper, zkgate's ZooKeeper port, zkgate's gRPC
# API, and raw etcd put/range on zkgate's own etcd member, one after the
# other, and prints the table with zkgate/ZooKeeper ratios.
#
# Settings go through to the suite: BENCH_ARGS="--duration 20s --clients 64"
# make bench. BENCH_JSON=file also writes the results as JSON.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
zkgate="$root/bin/zkgate"
# shellcheck source=e2e/bench/lib.sh
. "$root/e2e/bench/lib.sh"
check_tools
work=$(mktemp -d "${TMPDIR:-/tmp}/zkgate-bench.XXXXXX")
pids=()
trap cleanup EXIT

client=$(port); peer=$(port); zkport=$(port); refport=$(port)
print_machine
start_zkgate "$client" "$peer" "$zkport"
start_zookeeper "$refport"
wait_ruok "$zkport" "$refport"

# BENCH_ARGS is split into words on purpose.
# shellcheck disable=SC2086
if [ -n "${BENCH_JSON:-}" ]; then
	"$zkgate" bench suite --zookeeper "127.0.0.1:$refport" --zkgate-zk "127.0.0.1:$zkport" \
		--zkgate-grpc "http://127.0.0.1:$client" --etcd "http://127.0.0.1:$client" ${BENCH_ARGS:-} --json >"$BENCH_JSON"
	echo "results in $BENCH_JSON"
else
	"$zkgate" bench suite --zookeeper "127.0.0.1:$refport" --zkgate-zk "127.0.0.1:$zkport" \
		--zkgate-grpc "http://127.0.0.1:$client" --etcd "http://127.0.0.1:$client" ${BENCH_ARGS:-}
fi
