#!/usr/bin/env bash
# make bench-cluster: a three-node zkgate cluster and a three-member
# ZooKeeper 3.8 ensemble side by side.
#
# Starts three bin/zkgate nodes forming one cluster (serve
# --initial-cluster, their defaults otherwise) and three members of the
# Debian package's ZooKeeper forming one ensemble (fsync on, default
# settings but maxClientCnxns=0), all on loopback, each with its data in a
# fresh directory. Then `zkgate bench suite` twice, CLUSTER_ROUNDS
# (default 3) rounds of each workload, ZooKeeper and zkgate alternated
# round by round, medians and zkgate/ZooKeeper ratios as in make bench:
#
#   1. every member: the clients spread round-robin over the three members
#      (CLUSTER_WORKLOADS, by default every ZooKeeper-protocol workload);
#   2. a follower: every client on one zkgate node that is not the Raft
#      leader, and on one ZooKeeper member that is not the ensemble's
#      leader (srvr's Mode), for the write path through a follower
#      (CLUSTER_FOLLOWER_WORKLOADS, by default create, set and mixed).
#
# Each run lasts 5 s (about 8 minutes in all). Other settings go through
# to the suite: CLUSTER_ARGS="--duration 10s --clients 64" make
# bench-cluster. CLUSTER_JSON=file writes the results as JSON instead
# (every round included), the follower step's to file-follower.json.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
zkgate="$root/bin/zkgate"
# shellcheck source=e2e/bench/lib.sh
. "$root/e2e/bench/lib.sh"
check_tools
work=$(mktemp -d "${TMPDIR:-/tmp}/zkgate-cluster.XXXXXX")
pids=()
trap cleanup EXIT

workloads=${CLUSTER_WORKLOADS:-create,create-ephemeral,set,get,mixed,children,watch,connect,lock}
follower_workloads=${CLUSTER_FOLLOWER_WORKLOADS:-create,set,mixed}

print_machine

# zkgate: three members of one cluster.
gate=()
cluster=""
declare -a gclient gpeer
for i in 1 2 3; do
	gclient[i]=$(port)
	gpeer[i]=$(port)
	gate[i]=$(port)
	cluster+="${cluster:+,}node$i=http://127.0.0.1:${gpeer[i]}"
done
for i in 1 2 3; do
	start_zkgate_member "node$i" "${gclient[i]}" "${gpeer[i]}" "${gate[i]}" "$cluster"
done

# ZooKeeper: three members of one ensemble.
zk=()
servers=()
for i in 1 2 3; do
	zk[i]=$(port)
	servers+=("server.$i=127.0.0.1:$(port):$(port)")
done
for i in 1 2 3; do
	mkdir -p "$work/zk$i/data"
	echo "$i" >"$work/zk$i/data/myid"
	start_zookeeper_in "zk$i" "${zk[i]}" "maxClientCnxns=0" "initLimit=10" "syncLimit=5" "${servers[@]}"
done

wait_quorum "${gate[@]}" "${zk[@]}"

# follower PORT...: the first of the ports whose server is a follower,
# once one of them is the leader.
follower() {
	for _ in $(seq 1 600); do
		local leader="" f=""
		for p in "$@"; do
			case "$(mode "$p")" in
			leader) leader=$p ;;
			follower) [ -n "$f" ] || f=$p ;;
			esac
		done
		if [ -n "$leader" ] && [ -n "$f" ]; then
			echo "$f"
			return 0
		fi
		sleep 0.1
	done
	echo "bench: no leader among $*" >&2
	exit 1
}

join() {
	local IFS=,
	echo "$*"
}

# suite ZOOKEEPER ZKGATE WORKLOADS [FLAG...]: the suite on those addresses.
suite() {
	local z=$1 g=$2 w=$3
	shift 3
	# CLUSTER_ARGS is split into words on purpose.
	# shellcheck disable=SC2086
	"$zkgate" bench suite --zookeeper "$z" --zkgate-zk "$g" --workloads "$w" \
		--rounds "${CLUSTER_ROUNDS:-3}" --duration 5s "$@" ${CLUSTER_ARGS:-}
}

all_zk=$(join "127.0.0.1:${zk[1]}" "127.0.0.1:${zk[2]}" "127.0.0.1:${zk[3]}")
all_gate=$(join "127.0.0.1:${gate[1]}" "127.0.0.1:${gate[2]}" "127.0.0.1:${gate[3]}")
echo "ZooKeeper ensemble: $all_zk; zkgate cluster: $all_gate"
echo
if [ -n "${CLUSTER_JSON:-}" ]; then
	suite "$all_zk" "$all_gate" "$workloads" --json >"$CLUSTER_JSON"
else
	echo "clients spread over the three members:"
	suite "$all_zk" "$all_gate" "$workloads"
fi

zk_follower=$(follower "${zk[@]}")
gate_follower=$(follower "${gate[@]}")
echo
echo "every client on a follower: ZooKeeper 127.0.0.1:$zk_follower, zkgate 127.0.0.1:$gate_follower"
if [ -n "${CLUSTER_JSON:-}" ]; then
	suite "127.0.0.1:$zk_follower" "127.0.0.1:$gate_follower" "$follower_workloads" --json >"${CLUSTER_JSON%.json}-follower.json"
	echo "results in $CLUSTER_JSON and ${CLUSTER_JSON%.json}-follower.json"
else
	suite "127.0.0.1:$zk_follower" "127.0.0.1:$gate_follower" "$follower_workloads"
fi
# A leader change during the runs would have put clients on a leader.
for p in "$zk_follower" "$gate_follower"; do
	if [ "$(mode "$p")" != follower ]; then
		echo "bench: 127.0.0.1:$p is no longer a follower (now: $(mode "$p")): the follower runs are not what they claim" >&2
		exit 1
	fi
done
