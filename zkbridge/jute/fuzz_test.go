package jute

import (
	"bytes"
	"reflect"
	"testing"
)

// fuzzRecords are the decoders FuzzDecode exercises; the first input byte
// picks one (modulo the length). Append only, so the corpus keeps its
// meaning.
var fuzzRecords = []func() Record{
	func() Record { return &ConnectRequest{} },
	func() Record { return &ConnectResponse{} },
	func() Record { return &RequestHeader{} },
	func() Record { return &ReplyHeader{} },
	func() Record { return &MultiHeader{} },
	func() Record { return &WatcherEvent{} },
	func() Record { return &AuthPacket{} },
	func() Record { return &ID{} },
	func() Record { return &ACL{} },
	func() Record { return &Stat{} },
	func() Record { return &ClientInfo{} },
	func() Record { return &CreateRequest{} },
	func() Record { return &CreateTTLRequest{} },
	func() Record { return &CreateResponse{} },
	func() Record { return &Create2Response{} },
	func() Record { return &DeleteRequest{} },
	func() Record { return &ExistsRequest{} },
	func() Record { return &ExistsResponse{} },
	func() Record { return &GetDataRequest{} },
	func() Record { return &GetDataResponse{} },
	func() Record { return &SetDataRequest{} },
	func() Record { return &SetDataResponse{} },
	func() Record { return &GetACLRequest{} },
	func() Record { return &GetACLResponse{} },
	func() Record { return &SetACLRequest{} },
	func() Record { return &SetACLResponse{} },
	func() Record { return &GetChildrenRequest{} },
	func() Record { return &GetChildrenResponse{} },
	func() Record { return &GetChildren2Request{} },
	func() Record { return &GetChildren2Response{} },
	func() Record { return &GetAllChildrenNumberRequest{} },
	func() Record { return &GetAllChildrenNumberResponse{} },
	func() Record { return &GetEphemeralsRequest{} },
	func() Record { return &GetEphemeralsResponse{} },
	func() Record { return &CheckVersionRequest{} },
	func() Record { return &SyncRequest{} },
	func() Record { return &SyncResponse{} },
	func() Record { return &SetWatches{} },
	func() Record { return &SetWatches2{} },
	func() Record { return &AddWatchRequest{} },
	func() Record { return &CheckWatchesRequest{} },
	func() Record { return &RemoveWatchesRequest{} },
	func() Record { return &ErrorResponse{} },
	func() Record { return &WhoAmIResponse{} },
	func() Record { return &MultiRequest{} },
	func() Record { return &MultiResponse{} },
	func() Record { return &SASLRequest{} },
	func() Record { return &SASLResponse{} },
}

// fuzzIndex returns the selector byte for rec's type.
func fuzzIndex(rec Record) byte {
	for i, f := range fuzzRecords {
		if reflect.TypeOf(f()) == reflect.TypeOf(rec) {
			return byte(i)
		}
	}
	panic("record type missing from fuzzRecords")
}

func TestFuzzRecords_CoverTable(t *testing.T) {
	for _, c := range recordCases {
		fuzzIndex(c.rec) // panics if missing
	}
}

// FuzzDecode feeds arbitrary bytes to every decoder. It checks that
// decoding never panics, and that a value that decodes re-encodes to
// bytes that decode to the same value (and encode to the same bytes).
// Both exact and prefix decoding are exercised. Seeds are the encodings
// of the record tests (added here) and testdata/fuzz/FuzzDecode: the
// captured encodings of testdata/*.hex and hostile ones (negative, huge
// and null lengths, records cut short, multis with an unknown op or no
// end), each behind its selector byte.
func FuzzDecode(f *testing.F) {
	for _, c := range recordCases {
		f.Add(append([]byte{fuzzIndex(c.rec)}, c.want(f)...))
	}
	f.Add([]byte{44, 0x7f, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		newRec := fuzzRecords[int(in[0])%len(fuzzRecords)]
		data := in[1:]

		v1 := newRec()
		n, err := DecodePrefix(data, v1)
		if n < 0 || n > len(data) {
			t.Fatalf("DecodePrefix consumed %d of %d bytes", n, len(data))
		}
		exact := newRec()
		exactErr := DecodeExact(data, exact)
		if err != nil {
			if exactErr == nil {
				t.Fatalf("%T: DecodeExact succeeded where DecodePrefix failed: %v", v1, err)
			}
			return
		}
		if (exactErr == nil) != (n == len(data)) {
			t.Fatalf("%T: DecodeExact = %v with %d of %d bytes consumed", v1, exactErr, n, len(data))
		}

		enc := Append(nil, v1)
		v2 := newRec()
		if err := DecodeExact(enc, v2); err != nil {
			t.Fatalf("%T: re-encoding %x does not decode: %v", v1, enc, err)
		}
		if !reflect.DeepEqual(v1, v2) {
			t.Fatalf("%T: round trip changed the value:\n%#v\n%#v", v1, v1, v2)
		}
		if enc2 := Append(nil, v2); !bytes.Equal(enc, enc2) {
			t.Fatalf("%T: encoding not stable:\n%x\n%x", v1, enc, enc2)
		}
		if len(enc) > n {
			t.Fatalf("%T: re-encoding is longer (%d) than the input it came from (%d)", v1, len(enc), n)
		}
	})
}
