/*
Command zkgate runs and operates a zkgate node.

	zkgate serve     run a node: an embedded etcd member (or a gateway in
	                 front of external etcd) serving the etcd v3 API, the
	                 namespace API (gRPC, HTTP/JSON) and ZooKeeper's protocol
	zkgate ctl       work with znodes, with zkCli.sh's verbs (quotas, whoami,
	                 get/stat/ls -s and -w included)
	zkgate lock      hold a lock on a path, alone or while a command runs
	zkgate elect     run for leader on a path, or watch who leads (-l)
	zkgate migrate   copy a live ZooKeeper tree into zkgate (--follow: and
	                 keep copying its changes)
	zkgate diff      compare a ZooKeeper tree with zkgate's; exit status 0
	                 same, 1 different, 2 not all compared
	zkgate bench     measure a workload against ZooKeeper, zkgate or etcd
	                 (suite, scale, scale-report, ready)
	zkgate version   print the zkgate, etcd and Go versions (also --version)
	zkgate completion bash|zsh|fish
	                 print a shell completion script

main.go only wires things together: each subcommand lives in its own file
(serve.go, ctl.go with ctl_verbs.go, ctl_quota.go, ctl_auth.go and
ctl_check.go, recipes.go for lock and elect, migrate.go for migrate and
diff, bench.go, version.go, completion.go) with an options struct;
serve reads its configuration through internal/config and hands the work
to internal/node. Errors reach
the user as one line on stderr, prefixed "zkgate:", with exit status 1
(diff and migrate set their own, exitError in migrate.go);
a command line that cannot run (unknown command or ctl verb, wrong number
of arguments, bad flag) is a usageError (root.go): one line naming the
command and its usage, exit status 2. ctl checks every path with
schema.CheckClientPath before sending anything.

Every client command that dials zkgate (ctl, lock, elect, migrate and
diff --to) does it through one set of flags, dialFlags (dial.go): several
client URLs, any that answers used (recipes/client.Dial), etcdctl's
--dial-timeout (2s) and --command-timeout (5s), and etcdctl's --cacert,
--cert and --key for an https endpoint. ctl, lock and elect define them as
--endpoints and --auth (dialFlags.add); migrate and diff name them for
their destination (--to, --to-auth) and share --dial-timeout with the
source. bench --grpc dials through recipes/client.Dial too, with flags of
its own. A failure to reach an endpoint is one line naming it and the
cause (client.Describe, via ctlErr). A ZooKeeper end of migrate and diff
is dialed through internal/zkdial, with --from-auth or --to-auth and,
for SASL, the Client section of --from-jaas-config or --to-jaas-config
(package sasl's ClientConfig, read and, for Kerberos, logged in before
either end is dialed).

Internal packages:

  - internal/config: the one place flags, ZKGATE_* environment variables
    and YAML files are read (viper), into a Config: the node's Options and
    the process's own settings (pprof, log format).
  - internal/node: the composition root. Takes Options (defaults,
    validation naming the option, the engine's limits checked by the
    engine's own ValidateLimits) and starts and stops the embedded etcd
    member or the external-etcd gateway (two backends behind one
    interface), locks the data dir, knows how to stop a member
    that never became ready, and starts the namespace engine, its gRPC and
    HTTP servers and the ZooKeeper protocol listeners (plaintext and TLS)
    on top; with TLS on the ports and an etcd identity of its own for the
    namespace when etcd authentication is on.
  - internal/logging: zap loggers, with etcd's routine messages dropped
    below debug level.
  - internal/migrate: migrate's and diff's copy, comparison and --follow,
    reading the source through the ZooKeeper protocol and zkgate through
    its namespace gRPC API.
  - internal/bench: bench's workloads, reports and scale runs.
  - internal/zkdial: a go-zookeeper session opened within a bound, its
    failures one line naming the address.
*/
package main
