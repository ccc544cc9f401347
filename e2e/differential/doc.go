// Package differential runs the same operation scripts against a real
// ZooKeeper 3.8 and against zkgate over the raw jute client
// harness.ZKRaw, normalizes both transcripts and compares them step by
// step (TestDifferential in e2e uses it).
//
// A Script is built with New and its methods (Connect, C2, Exists,
// Multi, Events, ..., Custom for a step that needs more than a request).
// Run runs one script against both servers at once and fails the test
// on every step whose normalized outcome differs, unless a
// KnownDifference names that exact difference.
//
// # Transcript
//
// Every step prints a head ("07 a> create2 /crud/x ...") and the lines of
// its outcome: the watch notifications the session read before the reply
// (in arrival order), then the reply: error code, header zxid and the
// decoded body. A script ends with a ping on every open session, printing
// the notifications still in flight ("drain"), so spurious events show.
//
// # Normalizations (each one, and why)
//
// Values that are legitimately different between two servers are
// rewritten; nothing else is touched.
//
//   - Stat zxids (czxid, mzxid, pzxid) become labels named after the step
//     where the value was first seen: Z7 (and Z7b, Z7c for further new
//     values in the same step, in print order). Equal zxids get equal
//     labels, so "the parent's pzxid is the child's czxid" and "a multi
//     uses one zxid" are compared. A new value smaller than one already
//     seen is printed with "(<Zk)", Zk being the smallest larger label, so
//     order is compared too. 0 and -1 stay literal (the root and system
//     nodes have zxid 0 on ZooKeeper). Labels by first appearance rather
//     than dense ranks keep one extra zxid from renaming every later one.
//   - Reply-header zxids are printed as "~Zk", the label of the largest
//     Stat zxid seen so far that is <= the value ("~." when none is).
//     Known difference: ZooKeeper consumes a zxid for every failed write,
//     for createSession and for closeSession, and reports the last one in
//     the next replies; zkgate consumes none for failed writes. The exact
//     header value thus differs only by zxids no Stat ever shows; the
//     floor still catches a stale (lower) header zxid. 0 and -1 (addauth,
//     notifications, unknown opcode) stay literal.
//   - ctime and mtime are printed as t(Zk), the label of the zxid they
//     belong to (ctime to czxid, mtime to mzxid), or 0. Wall-clock values
//     differ between servers and two transactions may fall in the same
//     millisecond, so equality of times across transactions is not
//     stable; what is checked instead, per server: one zxid always shows
//     one time ("!time" otherwise), times never go backwards as zxids go
//     forwards ("!order"), and the time lies within the run ("!clock").
//   - Session ids become S1, S2, ... in order of first appearance (the
//     connect responses come first), also as ephemeralOwner. Passwords are
//     not printed.
//   - Lists ZooKeeper returns in hash order are sorted: children
//     (getChildren, getChildren2, multiRead), getEphemerals and whoAmI.
//     zkgate sorts; ZooKeeper's order is not part of its contract.
//
// Differences that remain are findings. The ones not fixed yet are listed
// as KnownDifference entries with the exact normalized outcome of both
// sides for that step, so the suite passes and the list documents what
// zkgate still gets wrong; an entry whose difference has gone away fails
// the test so the list stays true. A failing run prints the differing
// steps side by side, ready-made KnownDifference entries for them, and
// both full transcripts.
package differential
