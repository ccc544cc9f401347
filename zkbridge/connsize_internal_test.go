package zkbridge

import (
	"testing"
	"unsafe"
)

// TestConn_IdleSize: a connection's own struct stays in Go's 384-byte
// size class; every idle session holds one (the 448-byte class and a
// 96-byte channel made up front before).
func TestConn_IdleSize(t *testing.T) {
	if n := unsafe.Sizeof(conn{}); n > 384 {
		t.Fatalf("conn is %d bytes, past the 384-byte size class", n)
	}
}
