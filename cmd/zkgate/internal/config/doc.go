// Package config is the one place where `zkgate serve` options are read
// (viper: flags, ZKGATE_* environment variables, a YAML file).
//
// Config is the node's options (node.Options, with their defaults,
// node.DefaultOptions, and their checks, node.Options.Validate) plus the
// settings of the process around the node (pprof-listen, log-format), with
// a Default and a Validate. Options lists every setting once: its flag
// name (which is also its key in a YAML file), its ZKGATE_* environment
// variable and its usage text; AddFlags and Load are built from that list,
// and the README's configuration table is checked against it by a test.
//
// Precedence, lowest first: Default, the YAML file (--config or
// ZKGATE_CONFIG), environment variables, flags given on the command line.
// Unknown keys in a file are an error. Validate returns a *FieldError
// (node.FieldError) that names the option and the reason, which the CLI
// prints as one line. Validate also reads every certificate, key and CA
// file named, so that a missing or mismatched file is reported by option
// before anything starts. The namespace engine's defaults and limits are
// not repeated: node.DefaultOptions takes them from gateway
// (DefaultMinSessionTimeout, ...), node.Options.Engine translates the
// options into a gateway.Config, and Validate runs the engine's own
// ValidateLimits on it and names the option behind the field it refuses,
// so `serve --check-config` refuses exactly what the engine would once
// etcd has started. Secret options (etcd-password) are shown as "(set)"
// by Effective; give them by environment or file rather than by flag.
//
// Library packages (gateway, zkbridge, ...) and the composition root
// (node) never read flags or the environment: they take their own config
// structs, filled from here.
package config
