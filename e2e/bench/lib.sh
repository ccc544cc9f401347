# Shared by run.sh, scale.sh and cluster.sh: start zkgate and the Debian
# package's ZooKeeper on free loopback ports, each with its data under
# $work. The caller sets root, zkgate, work and pids=() and traps cleanup.
# shellcheck shell=bash
# shellcheck disable=SC2154 # zkgate and work are the caller's

jars=/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-log4j12.jar:/usr/share/java/log4j-1.2.jar

check_tools() {
	[ -x "$zkgate" ] || { echo "bench: $zkgate missing (make build)" >&2; exit 1; }
	command -v java >/dev/null || { echo "bench: java missing (make peers installs ZooKeeper)" >&2; exit 1; }
	[ -f /usr/share/java/zookeeper.jar ] || { echo "bench: ZooKeeper missing (make peers)" >&2; exit 1; }
}

cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}

# A free loopback port, from the kernel.
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

print_machine() {
	echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) memory, $(uname -sr)"
	echo "zkgate:  $("$zkgate" version | head -1)"
	echo "ZooKeeper: $(dpkg-query -W -f '${Version}' zookeeper 2>/dev/null || echo unknown) (Debian package), java $(java -version 2>&1 | head -1)"
	echo
}

# start_zkgate CLIENT PEER ZKPORT [FLAG...]: zkgate with its defaults but
# for the addresses (and the flags given), data in $work/zkgate (kept
# across restarts); sets zkgate_pid.
start_zkgate() {
	local client=$1 peer=$2 zk=$3
	shift 3
	"$zkgate" serve --name bench --data-dir "$work/zkgate" \
		--listen-client-urls "http://127.0.0.1:$client" --advertise-client-urls "http://127.0.0.1:$client" \
		--listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
		--zk-listen "127.0.0.1:$zk" --log-level warn "$@" >>"$work/zkgate.log" 2>&1 &
	zkgate_pid=$!
	pids+=("$zkgate_pid")
}

# start_zkgate_member NAME CLIENT PEER ZKPORT CLUSTER [FLAG...]: one
# member of a zkgate cluster bootstrapped with --initial-cluster CLUSTER
# (name=http://127.0.0.1:PEER,...), its defaults but for the addresses,
# data in $work/NAME, log in $work/NAME.log.
start_zkgate_member() {
	local name=$1 client=$2 peer=$3 zk=$4 cluster=$5
	shift 5
	"$zkgate" serve --name "$name" --data-dir "$work/$name" \
		--listen-client-urls "http://127.0.0.1:$client" --advertise-client-urls "http://127.0.0.1:$client" \
		--listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
		--initial-cluster "$cluster" --initial-cluster-token bench-cluster \
		--zk-listen "127.0.0.1:$zk" --log-level warn "$@" >>"$work/$name.log" 2>&1 &
	pids+=("$!")
}

# start_zookeeper PORT [CONFIG LINE...]: ZooKeeper standalone with its
# default settings (forceSync on) plus the lines given, data in $work/zk
# (kept across restarts); sets zookeeper_pid.
start_zookeeper() {
	start_zookeeper_in zk "$@"
}

# start_zookeeper_in DIR PORT [CONFIG LINE...]: start_zookeeper with its
# data in $work/DIR and its log in $work/DIR.log (with server.N lines and
# a DIR/data/myid file, a member of an ensemble); sets zookeeper_pid.
start_zookeeper_in() {
	local d=$work/$1 p=$2
	shift 2
	mkdir -p "$d/conf" "$d/data"
	{
		printf '%s\n' "tickTime=2000" "dataDir=$d/data" "clientPort=$p" "clientPortAddress=127.0.0.1" \
			"admin.enableServer=false" "4lw.commands.whitelist=ruok,srvr"
		[ $# -gt 0 ] && printf '%s\n' "$@"
	} >"$d/conf/zoo.cfg"
	printf 'log4j.rootLogger=WARN, CONSOLE\nlog4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender\nlog4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout\nlog4j.appender.CONSOLE.layout.ConversionPattern=%%d %%-5p %%m%%n\n' >"$d/conf/log4j.properties"
	java -Dlog4j.configuration="file:$d/conf/log4j.properties" -cp "$d/conf:$jars" \
		org.apache.zookeeper.server.quorum.QuorumPeerMain "$d/conf/zoo.cfg" >>"$d.log" 2>&1 &
	zookeeper_pid=$!
	pids+=("$zookeeper_pid")
}

# flw PORT WORD: a four-letter word's answer.
flw() { exec 3<>"/dev/tcp/127.0.0.1/$1" && printf '%s' "$2" >&3 && timeout 2 cat <&3; exec 3<&- 3>&-; }

# mode PORT: leader, follower or standalone, as srvr reports it (empty
# while the server does not serve).
mode() { flw "$1" srvr 2>/dev/null | sed -n 's/^Mode: //p'; }

# wait_quorum PORT...: until every server is a leader or a follower (60 s
# at most).
wait_quorum() { wait_all "no quorum" is_member "$@"; }

# is_member PORT: the server there is a leader or a follower.
is_member() {
	case "$(mode "$1")" in leader | follower) return 0 ;; esac
	return 1
}

# wait_all WHAT CHECK PORT...: until CHECK PORT succeeds for every port
# (60 s at most); otherwise print WHAT with the logs' tails and exit.
wait_all() {
	local what=$1 check=$2
	shift 2
	for _ in $(seq 1 600); do
		local ok=1
		for p in "$@"; do
			"$check" "$p" || ok=0
		done
		[ "$ok" = 1 ] && return 0
		sleep 0.1
	done
	echo "bench: $what; logs:" >&2
	tail -20 "$work"/*.log >&2
	exit 1
}

# wait_serving PORT...: until every server serves clients (60 s at most):
# srvr reports its mode. ruok is no test of that: ZooKeeper and zkgate
# answer imok before they serve (without a quorum, or while starting), and
# close a session's handshake until they do.
wait_serving() { wait_all "servers not serving" is_serving "$@"; }

is_serving() { [ -n "$(mode "$1")" ]; }

# stop PID: SIGTERM and wait for the process to end.
stop() {
	kill "$1" 2>/dev/null || true
	while kill -0 "$1" 2>/dev/null; do sleep 0.1; done
}

# rss_mib PID: resident memory, and how much of it is anonymous and how
# much file pages (page cache the kernel can reclaim: bbolt's mmap).
rss_mib() {
	awk '/VmRSS/ {r=$2} /RssAnon/ {a=$2} /RssFile/ {f=$2} END {printf "%.0f MiB (anonymous %.0f, file %.0f)", r/1024, a/1024, f/1024}' "/proc/$1/status"
}
