package jute

import (
	"bytes"
	"errors"
	"math"
	"runtime"
	"testing"
)

func TestEncoder_Primitives(t *testing.T) {
	cases := []struct {
		name  string
		write func(e *Encoder)
		want  string
	}{
		{"int 0", func(e *Encoder) { e.WriteInt(0) }, "00000000"},
		{"int 44", func(e *Encoder) { e.WriteInt(44) }, "0000002c"},
		{"int -1", func(e *Encoder) { e.WriteInt(-1) }, "ffffffff"},
		{"int min", func(e *Encoder) { e.WriteInt(math.MinInt32) }, "80000000"},
		{"int max", func(e *Encoder) { e.WriteInt(math.MaxInt32) }, "7fffffff"},
		{"long", func(e *Encoder) { e.WriteLong(0x0102030405060708) }, "0102030405060708"},
		{"long -2", func(e *Encoder) { e.WriteLong(-2) }, "fffffffffffffffe"},
		{"bool true", func(e *Encoder) { e.WriteBool(true) }, "01"},
		{"bool false", func(e *Encoder) { e.WriteBool(false) }, "00"},
		{"buffer nil", func(e *Encoder) { e.WriteBuffer(nil) }, "ffffffff"},
		{"buffer empty", func(e *Encoder) { e.WriteBuffer([]byte{}) }, "00000000"},
		{"buffer", func(e *Encoder) { e.WriteBuffer([]byte{0, 0xff}) }, "00000002 00ff"},
		{"string empty", func(e *Encoder) { e.WriteString("") }, "00000000"},
		{"string utf-8", func(e *Encoder) { e.WriteString("/é") }, "00000003 2fc3a9"},
		{"string null", func(e *Encoder) { e.WriteNullString() }, "ffffffff"},
		{"strings nil", func(e *Encoder) { e.WriteStrings(nil) }, "ffffffff"},
		{"strings empty", func(e *Encoder) { e.WriteStrings([]string{}) }, "00000000"},
		{"strings", func(e *Encoder) { e.WriteStrings([]string{"a", ""}) }, "00000002 00000001 61 00000000"},
		{"vector len null", func(e *Encoder) { e.WriteVectorLen(-1) }, "ffffffff"},
	}
	for _, c := range cases {
		var e Encoder
		c.write(&e)
		if want := unhex(t, c.want); !bytes.Equal(e.Bytes(), want) || e.Len() != len(want) {
			t.Errorf("%s: got %x, want %x", c.name, e.Bytes(), want)
		}
	}
	e := NewEncoder([]byte{9})
	e.WriteBool(true)
	if !bytes.Equal(e.Bytes(), []byte{9, 1}) {
		t.Errorf("NewEncoder does not append: %x", e.Bytes())
	}
}

func TestDecoder_Primitives(t *testing.T) {
	d := NewDecoder(unhex(t, "80000000 fffffffffffffffe 00 01 02 ff ffffffff 00000000 00000002 00ff ffffffff 00000003 2fc3a9 ffffffff 00000001 00000001 61"))
	if v := d.ReadInt(); v != math.MinInt32 {
		t.Errorf("int %d", v)
	}
	if v := d.ReadLong(); v != -2 {
		t.Errorf("long %d", v)
	}
	// Like Java's readBoolean, any non-zero byte is true.
	for i, want := range []bool{false, true, true, true} {
		if v := d.ReadBool(); v != want {
			t.Errorf("bool %d = %v", i, v)
		}
	}
	if v := d.ReadBuffer(); v != nil {
		t.Errorf("null buffer = %#v", v)
	}
	if v := d.ReadBuffer(); v == nil || len(v) != 0 {
		t.Errorf("empty buffer = %#v", v)
	}
	if v := d.ReadBuffer(); !bytes.Equal(v, []byte{0, 0xff}) {
		t.Errorf("buffer = %x", v)
	}
	if s, null := d.ReadStringOrNull(); s != "" || !null {
		t.Errorf("null string = %q, %v", s, null)
	}
	if s, null := d.ReadStringOrNull(); s != "/é" || null {
		t.Errorf("string = %q, %v", s, null)
	}
	if v := d.ReadStrings(); v != nil {
		t.Errorf("null vector = %#v", v)
	}
	if v := d.ReadStrings(); len(v) != 1 || v[0] != "a" {
		t.Errorf("strings = %#v", v)
	}
	if err := d.Finish(); err != nil || d.Remaining() != 0 {
		t.Errorf("Finish = %v, %d remaining", err, d.Remaining())
	}
}

// Invalid UTF-8 is kept as it is.
func TestDecoder_StringBytesKept(t *testing.T) {
	d := NewDecoder(unhex(t, "00000003 ff c080"))
	if s := d.ReadString(); s != "\xff\xc0\x80" || d.Err() != nil {
		t.Fatalf("ReadString = %q, %v", s, d.Err())
	}
}

func TestDecoder_Errors(t *testing.T) {
	cases := []struct {
		name string
		in   string
		read func(d *Decoder)
		want error
	}{
		{"int short", "000000", func(d *Decoder) { d.ReadInt() }, ErrTruncated},
		{"long short", "00000000000000", func(d *Decoder) { d.ReadLong() }, ErrTruncated},
		{"bool empty", "", func(d *Decoder) { d.ReadBool() }, ErrTruncated},
		{"buffer -2", "fffffffe", func(d *Decoder) { d.ReadBuffer() }, ErrNegativeLength},
		{"buffer min int", "80000000", func(d *Decoder) { d.ReadBuffer() }, ErrNegativeLength},
		{"buffer longer than input", "00000003 6162", func(d *Decoder) { d.ReadBuffer() }, ErrTruncated},
		{"string -5", "fffffffb", func(d *Decoder) { d.ReadString() }, ErrNegativeLength},
		{"string null", "ffffffff", func(d *Decoder) { d.ReadString() }, ErrNullString},
		{"string longer than input", "00000002 61", func(d *Decoder) { d.ReadString() }, ErrTruncated},
		{"vector -2", "fffffffe", func(d *Decoder) { d.ReadStrings() }, ErrNegativeLength},
		{"vector count beyond input", "00000002 00000000", func(d *Decoder) { d.ReadStrings() }, ErrTruncated},
		{"vector null item", "00000001 ffffffff", func(d *Decoder) { d.ReadStrings() }, ErrNullString},
		{"acl vector beyond input", "00000001 00000000 00000000", func(d *Decoder) { readACLs(d, true) }, ErrTruncated},
		{"vector len min item 0", "00000002 00", func(d *Decoder) { d.ReadVectorLen(0) }, ErrTruncated},
		{"trailing", "00000000 00", func(d *Decoder) { d.ReadInt(); d.err = d.Finish() }, ErrTrailingBytes},
	}
	for _, c := range cases {
		d := NewDecoder(unhex(t, c.in))
		c.read(d)
		if !errors.Is(d.Err(), c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, d.Err(), c.want)
		}
	}
}

// After an error every read returns a zero value and the first error stays.
func TestDecoder_StickyError(t *testing.T) {
	d := NewDecoder(unhex(t, "fffffffe 00000001 0000000000000002"))
	d.ReadBuffer()
	first := d.Err()
	if v := d.ReadInt(); v != 0 || d.Err() != first {
		t.Fatalf("read after error = %d, err %v", v, d.Err())
	}
	if v := d.ReadLong(); v != 0 || d.ReadBool() || d.ReadBuffer() != nil || d.ReadString() != "" || d.ReadStrings() != nil {
		t.Fatal("reads after an error return values")
	}
	if !errors.Is(d.Finish(), ErrNegativeLength) {
		t.Fatalf("Finish = %v", d.Finish())
	}
}

// A length far beyond the input is an error, not an allocation.
func TestDecoder_HugeLengthDoesNotAllocate(t *testing.T) {
	cases := []struct {
		name string
		rec  Record
		head string
	}{
		{"2 GiB buffer", &GetDataResponse{}, "7fffffff"},
		{"2 GiB string", &GetDataRequest{}, "7fffffff"},
		{"2^31-1 children", &GetChildrenResponse{}, "7fffffff"},
		{"2^31-1 ACLs", &CreateRequest{}, "00000002 2f61 ffffffff 7fffffff"},
		{"2^31-1 client infos", &WhoAmIResponse{}, "7fffffff"},
		{"2^31-1 watches", &SetWatches{}, "0000000000000000 7fffffff"},
	}
	for _, c := range cases {
		in := append(unhex(t, c.head), make([]byte, 100)...)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		err := DecodeExact(in, c.rec)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrTruncated) {
			t.Errorf("%s: err = %v, want ErrTruncated", c.name, err)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 64<<10 {
			t.Errorf("%s: allocated %d bytes", c.name, n)
		}
	}
}

// A vector's count is bounded by the smallest item size, so the slice
// allocated for it is bounded by the input.
func TestDecoder_VectorCountBoundedByItemSize(t *testing.T) {
	// 3 ACLs claimed, 24 bytes left: 2 would fit at 12 bytes each, 3 not.
	d := NewDecoder(append(unhex(t, "00000003"), make([]byte, 24)...))
	if n := d.ReadVectorLen(aclMinSize); n != -1 || !errors.Is(d.Err(), ErrTruncated) {
		t.Fatalf("ReadVectorLen = %d, %v", n, d.Err())
	}
	d = NewDecoder(append(unhex(t, "00000002"), make([]byte, 24)...))
	if n := d.ReadVectorLen(aclMinSize); n != 2 || d.Err() != nil {
		t.Fatalf("ReadVectorLen = %d, %v", n, d.Err())
	}
}
