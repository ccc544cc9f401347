// Package gcheadroom keeps the Go garbage collector's heap goal at least a
// fixed number of bytes above the live heap.
//
// Go starts a collection when the heap has grown by GOGC percent (100)
// over what the last one left live, and each collection marks the whole
// live heap. A coordination service usually holds little (tens to a few
// hundred MiB) and its writes allocate fast, so at 100% it collects
// several times a second: a sixth of a fresh node's CPU under writes,
// more than a quarter with 150 MiB live.
// A Tuner raises the percentage after each collection so that the next
// one starts no sooner than headroom bytes above the live heap; once the
// live heap is as large as the headroom, the percentage is Go's 100 again,
// so a large store costs no more memory than without it. An operator's
// GOGC in the environment stands: Start then does nothing.
//
// The memory it costs is more than the headroom: objects that live long
// (an idle session's) allocated among the garbage of a burst are left
// scattered over spans that stay in use after the next collection. 10,000
// sessions opened at once hold 6.3 KB each at Go's default, 7.5 KB with 64
// MiB of headroom and 9.5 KB with 256 MiB. So `zkgate serve` runs a
// Tuner only when --gc-headroom is given.
package gcheadroom
