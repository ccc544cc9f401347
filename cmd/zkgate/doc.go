/*
Command zkgate runs and operates a zkgate node.

	zkgate serve     run a node: an embedded etcd member serving the etcd v3 API
	zkgate version   print the zkgate, etcd and Go versions

main.go only wires things together: each subcommand lives in its own file
(serve.go, version.go) with an options struct, reads its configuration
through internal/config, and hands the work to internal/node. Errors reach
the user as one line on stderr, prefixed "zkgate:", with exit status 1.

Internal packages:

  - internal/config: the Config struct, its defaults and validation, and
    the one place flags, ZKGATE_* environment variables and YAML files are
    read (viper).
  - internal/node: starts and stops the embedded etcd member, locks the
    data dir, and knows how to stop a member that never became ready.
  - internal/logging: zap loggers, with etcd's routine messages dropped
    below debug level.
*/
package main
