// Package logging builds zkgate's zap loggers.
//
// A process has two: Main for zkgate's own events and Etcd, handed to the
// embedded etcd member. etcd logs dozens of lines on every start, election
// and stop; at the default level (info) the Etcd logger drops etcd's
// info-level entries and a short list of warnings that every ordinary start
// prints, and passes warnings and errors that matter. At --log-level debug
// both loggers show everything. Both write structured entries (JSON by
// default, or zap's console format) to stderr.
package logging
