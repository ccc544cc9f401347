package jute

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

// frame returns a frame with a body of n bytes of a repeating pattern.
func frame(n int) []byte {
	b := make([]byte, 4+n)
	binary.BigEndian.PutUint32(b, uint32(n))
	for i := range n {
		b[4+i] = byte(i * 7)
	}
	return b
}

func TestReadFrame_MaxSize(t *testing.T) {
	for _, limit := range []int{0, 1, 45, DefaultMaxBuffer} {
		// Exactly the limit is accepted.
		f := frame(limit)
		body, err := ReadFrame(bytes.NewReader(f), nil, limit)
		if err != nil || !bytes.Equal(body, f[4:]) {
			t.Errorf("limit %d: frame of %d bytes: len %d, err %v", limit, limit, len(body), err)
		}
		// One byte more is refused before reading the body.
		r := bytes.NewReader(frame(limit + 1))
		_, err = ReadFrame(r, nil, limit)
		if !errors.Is(err, ErrFrameTooLarge) {
			t.Errorf("limit %d: frame of %d bytes: err %v, want ErrFrameTooLarge", limit, limit+1, err)
		}
		if r.Len() != limit+1 {
			t.Errorf("limit %d: %d body bytes read after a refused length", limit, limit+1-r.Len())
		}
	}
}

// ZooKeeper's default: a body of 1,048,575 bytes is accepted, one more is not.
func TestFrameLength_DefaultMaxBuffer(t *testing.T) {
	if DefaultMaxBuffer != 1048575 {
		t.Fatalf("DefaultMaxBuffer = %d", DefaultMaxBuffer)
	}
	if n, err := FrameLength([4]byte{0, 0x0f, 0xff, 0xff}, DefaultMaxBuffer); n != 1048575 || err != nil {
		t.Errorf("0xfffff: %d, %v", n, err)
	}
	if _, err := FrameLength([4]byte{0, 0x10, 0, 0}, DefaultMaxBuffer); !errors.Is(err, ErrFrameTooLarge) {
		t.Errorf("0x100000: %v", err)
	}
	if _, err := FrameLength([4]byte{0xff, 0xff, 0xff, 0xfe}, DefaultMaxBuffer); !errors.Is(err, ErrNegativeLength) {
		t.Errorf("-2: %v", err)
	}
	if _, err := FrameLength([4]byte{0x80, 0, 0, 0}, 1<<40); !errors.Is(err, ErrNegativeLength) {
		t.Errorf("min int32 with a huge limit: %v", err)
	}
}

func TestReadFrame_EOF(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"clean close", nil, io.EOF},
		{"inside the prefix", []byte{0, 0}, io.ErrUnexpectedEOF},
		{"inside the body", frame(10)[:9], io.ErrUnexpectedEOF},
		{"inside a large body", frame(200 << 10)[:150<<10], io.ErrUnexpectedEOF},
		{"empty body", frame(0), nil},
	}
	for _, c := range cases {
		_, err := ReadFrame(bytes.NewReader(c.in), nil, DefaultMaxBuffer)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	wantErr := errors.New("boom")
	if _, err := ReadFrame(iotest.ErrReader(wantErr), nil, 10); !errors.Is(err, wantErr) {
		t.Errorf("reader error: %v", err)
	}
}

// Frames arrive in pieces; bodies larger than the growth chunk come out whole.
func TestReadFrame_Pieces(t *testing.T) {
	for _, n := range []int{1, 100, frameChunk - 1, frameChunk, frameChunk + 1, 300 << 10, DefaultMaxBuffer} {
		f := frame(n)
		body, err := ReadFrame(iotest.HalfReader(bytes.NewReader(f)), nil, DefaultMaxBuffer)
		if err != nil || !bytes.Equal(body, f[4:]) {
			t.Errorf("body of %d bytes: got %d bytes, err %v", n, len(body), err)
		}
	}
}

// Two frames back to back, the second read into the first's buffer.
func TestReadFrame_ReusesBuffer(t *testing.T) {
	r := bytes.NewReader(append(frame(100), frame(50)...))
	first, err := ReadFrame(r, nil, 1000)
	if err != nil || len(first) != 100 {
		t.Fatal(err)
	}
	second, err := ReadFrame(r, first, 1000)
	if err != nil || len(second) != 50 || &second[0] != &first[0] {
		t.Fatalf("second frame: len %d, err %v, reused %v", len(second), err, err == nil && &second[0] == &first[0])
	}
	if _, err := ReadFrame(r, second, 1000); err != io.EOF {
		t.Fatalf("after the last frame: %v", err)
	}
}

// A peer that announces a frame of the maximum size and sends nothing
// costs one growth chunk, not the maximum.
func TestReadFrameBody_AllocatesAsBytesArrive(t *testing.T) {
	const limit = 64 << 20
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ReadFrameBody(strings.NewReader("abc"), limit, nil)
	runtime.ReadMemStats(&after)
	if err != io.ErrUnexpectedEOF {
		t.Fatalf("err = %v", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 2*frameChunk {
		t.Fatalf("allocated %d bytes for a 64 MiB announcement with 3 bytes sent", n)
	}
}

func TestAppendFrame(t *testing.T) {
	got := AppendFrame([]byte{0xee}, []byte("abc"))
	if want := unhex(t, "ee 00000003 616263"); !bytes.Equal(got, want) {
		t.Fatalf("got %x", got)
	}
	if got := AppendFrame(nil, nil); !bytes.Equal(got, []byte{0, 0, 0, 0}) {
		t.Fatalf("empty body: %x", got)
	}
}

// A reply packet: length, ReplyHeader, body; appended after earlier bytes.
func TestAppendPacket(t *testing.T) {
	got := AppendPacket([]byte{0xee},
		&ReplyHeader{Xid: 1, Zxid: 2, Err: 0},
		&ExistsResponse{Stat: testStat})
	want := unhex(t, "ee 00000054 00000001 0000000000000002 00000000"+statHex)
	if !bytes.Equal(got, want) {
		t.Fatalf("got  %x\nwant %x", got, want)
	}
	body, err := ReadFrame(bytes.NewReader(got[1:]), nil, DefaultMaxBuffer)
	if err != nil || len(body) != ReplyHeaderSize+StatSize {
		t.Fatalf("ReadFrame of the packet: %d bytes, %v", len(body), err)
	}
	// A notification: header only.
	ping := AppendPacket(nil, &ReplyHeader{Xid: XidPing, Zxid: 5})
	if want := unhex(t, "00000010 fffffffe 0000000000000005 00000000"); !bytes.Equal(ping, want) {
		t.Fatalf("ping reply %x", ping)
	}
}

// The request side: a client packet as the Java client frames it.
func TestReadFrame_RequestPacket(t *testing.T) {
	pkt := AppendPacket(nil, &RequestHeader{Xid: 1, Type: OpExists}, &ExistsRequest{Path: "/a", Watch: true})
	if want := unhex(t, "0000000f 00000001 00000003 00000002 2f61 01"); !bytes.Equal(pkt, want) {
		t.Fatalf("packet %x", pkt)
	}
	body, err := ReadFrame(bytes.NewReader(pkt), nil, DefaultMaxBuffer)
	if err != nil {
		t.Fatal(err)
	}
	var h RequestHeader
	var req ExistsRequest
	if err := DecodeExact(body, &h, &req); err != nil || h.Type != OpExists || req.Path != "/a" || !req.Watch {
		t.Fatalf("decoded %+v %+v, %v", h, req, err)
	}
	if RequestHeaderSize != len(Append(nil, &h)) {
		t.Fatal("RequestHeaderSize")
	}
}
