// Package zkraw is a raw ZooKeeper client: it sends exactly the records
// its caller gives it, framed by zkbridge/jute, one request at a time,
// and keeps the watch notifications it reads in arrival order. It works
// against zkgate and a real ZooKeeper alike.
//
// It is the one hand-rolled client of the repository, for what a full
// client (go-zookeeper) cannot do: the e2e tests send malformed or
// unusual requests and compare the replies byte for byte with
// ZooKeeper's, zkbridge's tests pipeline requests, cut frames short and
// stop reading, the scale benchmark opens thousands of bare sessions, and
// migrate asks for getAllChildrenNumber, which go-zookeeper does not send.
//
//	c, err := zkraw.Dial(ctx, addr, zkraw.Options{TimeOut: 10000})
//	rh, d, err := c.Call(jute.OpExists, &jute.ExistsRequest{Path: "/a", Watch: true})
//	var r jute.ExistsResponse
//	err = r.Decode(d) // when rh.Err == 0
//	evs := c.TakeEvents() // notifications that arrived before that reply
//
// Handshake does the same on a connection the caller has opened (a TLS
// one, say); Send and ReadFrame write and read raw bytes for requests no
// record describes, NextXid numbers such a request in Call's sequence,
// and NetConn gives the connection itself, to half-close it or write
// under a deadline of one's own.
//
// # Caveats
//
// A Conn does not ping on its own: a session stays alive only while its
// user keeps calling (Ping). A server answer of "expired" to the
// handshake (SessionID 0) is not an error: look at Conn.Resp. Every call
// waits at most Options.CallTimeout for its reply. Once the server has
// closed the connection, every call returns ErrClosed.
//
// A Conn is not safe for concurrent use: one goroutine calls at a time.
package zkraw
