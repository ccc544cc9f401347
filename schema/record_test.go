package schema

import (
	"bytes"
	"testing"
)

// TestSession_RecordFormats: a record that names its session lease
// (format 2) reads back whole; a format-1 record (written before session
// ids were apart from lease ids) reads with no lease, and LeaseOf gives
// the session id for it.
func TestSession_RecordFormats(t *testing.T) {
	pw := bytes.Repeat([]byte{7}, 16)
	with := Session{Password: pw, TimeoutMs: 10000, EphemeralLease: 99, Lease: 42}
	got, err := UnmarshalSession(with.Marshal())
	if err != nil || got.Lease != 42 || got.EphemeralLease != 99 || got.TimeoutMs != 10000 || !bytes.Equal(got.Password, pw) {
		t.Fatalf("format 2: %+v %v", got, err)
	}
	if got.LeaseOf(5) != 42 {
		t.Fatalf("LeaseOf = %d, want 42", got.LeaseOf(5))
	}
	old := Session{Password: pw, TimeoutMs: 4000, EphemeralLease: 8}
	b := old.Marshal()
	if b[0] != 1 {
		t.Fatalf("a record without a lease has format %d, want 1", b[0])
	}
	got, err = UnmarshalSession(b)
	if err != nil || got.Lease != 0 || got.EphemeralLease != 8 || !bytes.Equal(got.Password, pw) {
		t.Fatalf("format 1: %+v %v", got, err)
	}
	if got.LeaseOf(5) != 5 {
		t.Fatalf("LeaseOf = %d, want the session id 5", got.LeaseOf(5))
	}
	for _, bad := range [][]byte{nil, {3}, {2, 0x80}, {2, 2, 2, 0}} {
		if _, err := UnmarshalSession(bad); err != ErrCorrupt {
			t.Errorf("UnmarshalSession(%v) = %v, want ErrCorrupt", bad, err)
		}
	}
}
