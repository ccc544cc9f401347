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
[ -x "$zkgate" ] || { echo "bench: $zkgate missing (make build)" >&2; exit 1; }
command -v java >/dev/null || { echo "bench: java missing (make peers installs ZooKeeper)" >&2; exit 1; }
jars=/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-log4j12.jar:/usr/share/java/log4j-1.2.jar
[ -f /usr/share/java/zookeeper.jar ] || { echo "bench: ZooKeeper missing (make peers)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/zkgate-bench.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# Free loopback ports, from the kernel.
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
client=$(port); peer=$(port); zkport=$(port); refport=$(port)

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) memory, $(uname -sr)"
echo "zkgate:  $("$zkgate" version | head -1)"
echo "ZooKeeper: $(dpkg-query -W -f '${Version}' zookeeper 2>/dev/null || echo unknown) (Debian package), java $(java -version 2>&1 | head -1)"
echo

# zkgate, defaults but for the addresses.
"$zkgate" serve --name bench --data-dir "$work/zkgate" \
	--listen-client-urls "http://127.0.0.1:$client" --advertise-client-urls "http://127.0.0.1:$client" \
	--listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
	--zk-listen "127.0.0.1:$zkport" --log-level warn >"$work/zkgate.log" 2>&1 &
pids+=($!)

# ZooKeeper, default settings (forceSync on), standalone.
mkdir -p "$work/zk/conf" "$work/zk/data"
cat >"$work/zk/conf/zoo.cfg" <<CFG
tickTime=2000
dataDir=$work/zk/data
clientPort=$refport
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr
CFG
printf 'log4j.rootLogger=WARN, CONSOLE\nlog4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender\nlog4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout\nlog4j.appender.CONSOLE.layout.ConversionPattern=%%d %%-5p %%m%%n\n' >"$work/zk/conf/log4j.properties"
java -Dlog4j.configuration="file:$work/zk/conf/log4j.properties" -cp "$work/zk/conf:$jars" \
	org.apache.zookeeper.server.quorum.QuorumPeerMain "$work/zk/conf/zoo.cfg" >"$work/zk.log" 2>&1 &
pids+=($!)

ruok() { exec 3<>"/dev/tcp/127.0.0.1/$1" && printf ruok >&3 && timeout 2 cat <&3; exec 3<&- 3>&-; }
for i in $(seq 1 600); do
	if [ "$(ruok "$zkport" 2>/dev/null)" = imok ] && [ "$(ruok "$refport" 2>/dev/null)" = imok ]; then
		break
	fi
	[ "$i" = 600 ] && { echo "bench: servers not ready; logs:" >&2; tail -20 "$work"/*.log >&2; exit 1; }
	sleep 0.1
done

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
