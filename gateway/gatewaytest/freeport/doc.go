// Package freeport hands out loopback TCP ports for tests that must name a
// port before something listens on it: an etcd member's URLs, a process
// started with --listen flags, a ZooKeeper's zoo.cfg.
//
//	port := freeport.Port(t)
//	url := fmt.Sprintf("http://127.0.0.1:%d", port)
//
// A test that can listen itself should rather listen on 127.0.0.1:0 and
// keep the listener: only that is free of races.
//
// # Caveat and how it is reduced
//
// A port is free when Port checks it (it listens on it and closes the
// listener), not when the test binds it a moment later; in between
// something else may take it. Two things made that likely and are
// avoided:
//
//   - The kernel hands a port it has just released to the next bind to
//     port 0 or outgoing connection, in this process or another (go test
//     runs packages side by side). Port picks its ports from 20000 up to
//     the start of the kernel's ephemeral range
//     (/proc/sys/net/ipv4/ip_local_port_range on Linux, 32768-60999 by
//     default): the kernel never hands out a port below it by itself.
//   - Two callers could be given the same port. Within a process, Port
//     never hands a port out twice; across processes, each starts at a
//     random place in the range and walks on from there, so two test
//     processes meet only after thousands of ports.
//
// Where the ephemeral range leaves too little room below it, Port falls
// back to asking the kernel (port 0), still never repeating a port.
//
// Port and Next are safe for concurrent use.
package freeport
