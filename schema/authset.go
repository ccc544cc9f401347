package schema

import "unicode/utf16"

// AuthSetOrder returns a session's identities in the order ZooKeeper 3.8
// lists them, given the order they were added (duplicates ignored).
//
// A ZooKeeper connection keeps its identities in a set backed by a
// java.util.concurrent.ConcurrentHashMap, and everything that lists them
// (whoAmI, the expansion of an "auth" ACL entry) walks that map: bins in
// index order, each bin's entries in the order the map's insertions and
// resizes left them. The order is therefore a function of the ids' Java
// hash codes and of the insertion order, which this replays: a 16-bin
// table that doubles when it holds 12, 24, 48... entries, splitting each
// bin the way ConcurrentHashMap.transfer does (the trailing run of entries
// going to the same half keeps its order, the others are prepended in
// turn). Bins that ConcurrentHashMap would turn into trees need nine ids
// in one bin and are not modelled.
func AuthSetOrder(added []AuthID) []AuthID {
	type entry struct {
		h  int32
		id AuthID
	}
	table := make([][]entry, 16)
	count, sizeCtl := 0, 12
	for _, id := range added {
		h := javaSpread(javaIDHash(id))
		i := int(h) & (len(table) - 1)
		dup := false
		for _, e := range table[i] {
			if e.id == id {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		table[i] = append(table[i], entry{h, id})
		count++
		for count >= sizeCtl {
			n := len(table)
			next := make([][]entry, 2*n)
			for i, bin := range table {
				if len(bin) == 0 {
					continue
				}
				// The last run: the longest tail whose entries all go to
				// the same half.
				last := len(bin) - 1
				bit := bin[last].h & int32(n)
				for last > 0 && bin[last-1].h&int32(n) == bit {
					last--
				}
				var lo, hi []entry
				if bit == 0 {
					lo = append(lo, bin[last:]...)
				} else {
					hi = append(hi, bin[last:]...)
				}
				for _, e := range bin[:last] {
					if e.h&int32(n) == 0 {
						lo = append([]entry{e}, lo...)
					} else {
						hi = append([]entry{e}, hi...)
					}
				}
				next[i], next[i+n] = lo, hi
			}
			table = next
			sizeCtl = len(table) - len(table)/4 // 0.75 of the new size
		}
	}
	out := make([]AuthID, 0, count)
	for _, bin := range table {
		for _, e := range bin {
			out = append(out, e.id)
		}
	}
	return out
}

// javaIDHash is org.apache.zookeeper.data.Id.hashCode().
func javaIDHash(id AuthID) int32 {
	h := int32(17)
	h = 37*h + javaStringHash(javaString(id.Scheme))
	h = 37*h + javaStringHash(javaString(id.ID))
	return h
}

// javaStringHash is java.lang.String.hashCode(): s[0]*31^(n-1) + ... over
// the UTF-16 code units, in 32-bit arithmetic.
func javaStringHash(s string) int32 {
	var h int32
	for _, u := range utf16.Encode([]rune(s)) {
		h = 31*h + int32(u)
	}
	return h
}

// javaSpread is ConcurrentHashMap.spread.
func javaSpread(h int32) int32 {
	return (h ^ int32(uint32(h)>>16)) & 0x7fffffff
}
