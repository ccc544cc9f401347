package jute

import (
	"errors"
	"testing"
)

// The reply to a handshake has the form of the request: 36 bytes for a
// 44-byte request, 37 for a 45-byte one.
func TestConnect_ReplyMatchesRequestForm(t *testing.T) {
	cases := []struct {
		file      string
		legacy    bool
		replySize int
	}{
		{"connect_request_44.hex", true, 36},
		{"connect_request_45.hex", false, 37},
	}
	for _, c := range cases {
		in := readHex(t, c.file)
		var req ConnectRequest
		if err := DecodeExact(in, &req); err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if req.Legacy != c.legacy || req.ReadOnly != !c.legacy || req.TimeOut != 30000 || len(req.Passwd) != 16 {
			t.Errorf("%s: decoded %+v", c.file, req)
		}
		resp := ConnectResponse{TimeOut: 4000, SessionID: 1, Passwd: make([]byte, 16), Legacy: req.Legacy}
		if n := len(Append(nil, &resp)); n != c.replySize {
			t.Errorf("%s: reply of %d bytes, want %d", c.file, n, c.replySize)
		}
	}
}

func TestConnectRequest_OtherSizes(t *testing.T) {
	// No password (a null buffer): 28 bytes short form, 29 long.
	short := unhex(t, "00000000 0000000000000000 00001388 0000000000000000 ffffffff")
	var r ConnectRequest
	if err := DecodeExact(short, &r); err != nil || !r.Legacy || r.Passwd != nil || r.TimeOut != 5000 {
		t.Errorf("28 bytes: %+v, %v", r, err)
	}
	if err := DecodeExact(append(short, 0), &r); err != nil || r.Legacy || r.ReadOnly {
		t.Errorf("29 bytes: %+v, %v", r, err)
	}
	// 43 bytes: the password is cut.
	if err := DecodeExact(readHex(t, "connect_request_44.hex")[:43], &r); !errors.Is(err, ErrTruncated) {
		t.Errorf("43 bytes: %v", err)
	}
	// 46 bytes: one byte after readOnly is refused by DecodeExact, left by DecodePrefix.
	long := append(readHex(t, "connect_request_45.hex"), 7)
	if err := DecodeExact(long, &r); !errors.Is(err, ErrTrailingBytes) {
		t.Errorf("46 bytes: %v", err)
	}
	if n, err := DecodePrefix(long, &r); n != 45 || err != nil || !r.ReadOnly {
		t.Errorf("DecodePrefix of 46 bytes = %d, %v, %+v", n, err, r)
	}
}

// Encoding ignores ReadOnly in the short form.
func TestConnectResponse_LegacyDropsReadOnly(t *testing.T) {
	b := Append(nil, &ConnectResponse{Passwd: []byte{}, ReadOnly: true, Legacy: true})
	if want := unhex(t, "00000000 00000000 0000000000000000 00000000"); string(b) != string(want) {
		t.Fatalf("got %x", b)
	}
}
