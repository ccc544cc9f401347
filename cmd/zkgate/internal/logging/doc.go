// Package logging builds zkgate's zap loggers.
//
// A process has two: Main for zkgate's own events and Etcd, handed to the
// embedded etcd member. etcd logs dozens of lines on every start, election
// and stop; at the default level (info) the Etcd logger drops etcd's
// info-level entries and the warnings and errors of routine operation,
// and passes those that tell of a fault. Routine, measured with the e2e
// test TestLogs_RoutineOperationIsQuiet, is: a start and a clean stop
// (with or without TLS), a new cluster's bootstrap (its storage version
// monitor runs before the cluster version is agreed), peers stopping,
// calls that wait by design (lock and election calls, which etcd reports
// as slow "request stats"), and a member without a quorum, for which the
// namespace's quorum probe logs one line when it is lost and one when it
// is back. A peer becoming unreachable and reachable again stays as one
// info line each. Some warnings are routine or not by their fields (the
// method of "request stats", the error of a slow apply): the Etcd core
// then decides in Write. At --log-level debug both loggers show
// everything. Both write structured entries (JSON by
// default, or zap's console format) to stderr.
package logging
