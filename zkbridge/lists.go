package zkbridge

import (
	"sync"
	"unsafe"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// encodedLists keeps the jute encoding of the children lists the gateway's
// children cache shares (gateway.ChildrenResult.Shared), so getChildren of
// a large parent read far more often than changed encodes its names once,
// not on every read. An entry is found by the list's identity (the address
// of its first name and its length) and holds the list itself, so no other
// list can take that address while the entry lives; a parent that changes
// gets a new list, and its old entry ages out. Bounded in bytes, oldest
// first out.
type encodedLists struct {
	mu    sync.Mutex
	m     map[*string]encodedList
	order []*string // oldest first
	bytes int
}

type encodedList struct {
	list []string
	enc  []byte
}

const (
	// encodedListsBytes bounds the encodings kept.
	encodedListsBytes = 8 << 20
	// encodedListMin is the fewest names worth keeping an encoding of.
	encodedListMin = 256
)

// encoded returns the encoding of res.Children as a reply's vector, or nil
// if the list is not shared or too short to be worth it.
func (l *encodedLists) encoded(res gateway.ChildrenResult) []byte {
	list := res.Children
	if !res.Shared || len(list) < encodedListMin {
		return nil
	}
	k := unsafe.SliceData(list)
	l.mu.Lock()
	en, ok := l.m[k]
	l.mu.Unlock()
	if ok && len(en.list) == len(list) {
		return en.enc
	}
	enc := jute.AppendStrings(nil, list)
	if len(enc) > encodedListsBytes/4 {
		return enc
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = make(map[*string]encodedList)
	}
	if old, ok := l.m[k]; ok {
		l.bytes -= len(old.enc)
	} else {
		l.order = append(l.order, k)
	}
	l.m[k] = encodedList{list: list, enc: enc}
	l.bytes += len(enc)
	for l.bytes > encodedListsBytes && len(l.order) > 0 {
		oldest := l.order[0]
		l.order = l.order[1:]
		if en, ok := l.m[oldest]; ok {
			l.bytes -= len(en.enc)
			delete(l.m, oldest)
		}
	}
	return enc
}
