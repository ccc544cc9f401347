package zkbridge

import (
	"bytes"
	"fmt"
	"testing"
	"unsafe"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

func names(n int, prefix string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%06d", prefix, i)
	}
	return out
}

// TestEncodedLists_OnePerSharedList: a shared list is encoded once and
// that encoding is given back for it; another list, even with the same
// names, and a list that is not shared, are encoded on their own; the
// encodings kept stay within their bound.
func TestEncodedLists_OnePerSharedList(t *testing.T) {
	var l encodedLists
	list := names(1000, "n")
	a := l.encoded(gateway.ChildrenResult{Children: list, Shared: true})
	if !bytes.Equal(a, jute.AppendStrings(nil, list)) {
		t.Fatal("encoding differs from the vector's")
	}
	if b := l.encoded(gateway.ChildrenResult{Children: list, Shared: true}); unsafe.SliceData(b) != unsafe.SliceData(a) {
		t.Fatal("a shared list was encoded twice")
	}
	same := names(1000, "n")
	if c := l.encoded(gateway.ChildrenResult{Children: same, Shared: true}); unsafe.SliceData(c) == unsafe.SliceData(a) || !bytes.Equal(c, a) {
		t.Fatal("another list with the same names was given the first one's encoding")
	}
	if l.encoded(gateway.ChildrenResult{Children: list}) != nil {
		t.Fatal("a list that is not shared was kept")
	}
	if l.encoded(gateway.ChildrenResult{Children: list[:10], Shared: true}) != nil {
		t.Fatal("a short list was kept")
	}
	for i := range 200 {
		l.encoded(gateway.ChildrenResult{Children: names(5000, fmt.Sprintf("p%d-", i)), Shared: true})
		if l.bytes > encodedListsBytes {
			t.Fatalf("%d bytes of encodings kept, bound %d", l.bytes, encodedListsBytes)
		}
	}
}
