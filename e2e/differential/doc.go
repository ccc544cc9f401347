// Package differential runs the same operation scripts against a real
// ZooKeeper 3.8 and against zkgate over the raw jute client
// harness.ZKRaw, normalizes both transcripts and compares them step by
// step (TestDifferential in e2e uses it).
//
// A Script is read from text with Parse or ParseFile, or built in Go with
// New and its methods (Connect, C2, Exists, Multi, Events, ..., Custom
// for a step that needs more than a request). Run runs one script against
// both servers at once and fails the test on every step whose normalized
// outcome differs, unless a KnownDifference names that exact difference.
// Format writes a script in the text form (and checks that it reads back
// the same).
//
// # Text form
//
// One step a line, "SESSION> STEP", the session a name of letters and
// digits (a session is opened by its connect step and named from then
// on); blank lines and lines starting with # are skipped:
//
//	# a comment
//	a> connect timeout=30000
//	a> create2 /sw "" flags=ephemeral
//	b> exists /sw watch
//	a> setData /sw x version=0
//	b> events 1
//	b> setWatches2 rel=0 data=/sw,/sw/gone exist= persistent=/sw/p
//	a> multi create /m/a m | check /m/x version=1 | delete /m/a
//
// Words are separated by blanks. A word is taken as written, or is a
// double-quoted Go string ("", "a b", "\x00"); KEY=VALUE words are
// options (VALUE may be quoted too), the others are arguments. Data is a
// word, or null for a null buffer ("null" for the four letters). A list
// (setWatches) is comma-separated: absent is a null list, "data=" an
// empty one, data=a,"" two paths, the second empty. An ACL (acl=)
// is comma-separated PERMS:SCHEME:ID entries; absent is world:anyone
// with every permission, "acl=" an empty list, "acl=null" a null one.
// Versions default to -1 (any). Create flags, watcher types and addWatch
// modes are named (flags=ephemeral, type=data, mode=persistentRecursive;
// the names are in text.go) or given as numbers.
//
// Steps that are not requests:
//
//	connect [timeout=MS]          open the session (default 30000)
//	reconnect FROM                handshake with FROM's session id and password
//	addauth SCHEME CREDENTIALS    addauth
//	events N [sorted]             wait for N notifications (sorted: print them sorted)
//	closeSession                  closeSession
//	drop                          close the socket, leaving the session to expire
//	pollGone PATH                 poll exists until PATH is gone (expiry, reaping)
//
// Every other step is a request, named as ZooKeeper names its opcode (or
// by number, sent without a body):
//
//	create|create2|createContainer PATH DATA [acl=ACL] [flags=N]
//	createTTL PATH DATA [acl=ACL] [flags=N] ttl=MS
//	delete|deleteContainer PATH [version=N]
//	exists|getData|getChildren|getChildren2 PATH [watch]
//	setData PATH DATA [version=N]
//	getACL PATH / setACL PATH [acl=ACL] [version=N]
//	sync PATH / getAllChildrenNumber PATH / getEphemerals PREFIX
//	checkWatches|removeWatches PATH type=N / addWatch PATH mode=N
//	setWatches rel=ZXID [data=LIST] [exist=LIST] [child=LIST]
//	setWatches2 ... [persistent=LIST] [recursive=LIST]
//	reconfig [joining=S] [leaving=S] [members=S] [config=N]
//	multi|multiRead OP | OP | ...   ops as above (check PATH [version=N] too)
//	whoAmI, ping, 99, ...           no body
//
// A request may end with xid=N (sent with that xid instead of the next
// one) and desc=TEXT (the step's head in the transcript). A script that
// needs Go (a custom step, a loop worth keeping, data the text form
// cannot write) is built with New instead.
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
