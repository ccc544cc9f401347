// Package config is the one place where `zkgate serve` options are read.
//
// Config is a plain struct with documented fields, a Default and a
// Validate. Options lists every setting once: its flag name (which is also
// its key in a YAML file), its ZKGATE_* environment variable and its usage
// text; AddFlags and Load are built from that list, and the README's
// configuration table is checked against it by a test.
//
// Precedence, lowest first: Default, the YAML file (--config or
// ZKGATE_CONFIG), environment variables, flags given on the command line.
// Unknown keys in a file are an error. Validate returns a *FieldError that
// names the option and the reason, which the CLI prints as one line.
// Validate also reads every certificate, key and CA file named, so that a
// missing or mismatched file is reported by option before anything
// starts. Secret options (etcd-password) are shown as "(set)" by
// Effective; give them by environment or file rather than by flag.
//
// Library packages (gateway, zkbridge, ...) never read flags or the
// environment: they take their own config structs, filled from here.
// Where a library states a default or a list, config reads it from there
// rather than writing it again: the default four-letter-word whitelist is
// zkbridge.DefaultFourLetterWords, and a whitelist may name only the words
// of jute.FourLetterWords (or *).
package config
