package jute

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"testing"

	"github.com/zkgate/zkgate/schema"
)

// Pieces of expected encodings, written by hand from zookeeper.jute.
const (
	hexSlashA     = "00000002 2f61"                                      // ustring "/a"
	hexWorldACL   = "0000001f 00000005 776f726c64 00000006 616e796f6e65" // ACL{31, world, anyone}
	hexOpenACLVec = "00000001 " + hexWorldACL                            // vector<ACL> of it
)

var openACL = []ACL{{Perms: PermAll, ID: ID{Scheme: "world", ID: "anyone"}}}

var passwd16 = []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}

// recordCase is a record and its encoding: hex, or the testdata file.
type recordCase struct {
	name string
	rec  Record
	hex  string
	file string
}

func (c recordCase) want(t testing.TB) []byte {
	if c.file != "" {
		return readHex(t, c.file)
	}
	return unhex(t, c.hex)
}

// recordCases covers every record type. Reply records use non-nil empty
// slices where a vector is empty, as their decoders return.
var recordCases = []recordCase{
	// Handshake.
	{name: "ConnectRequest/45", file: "connect_request_45.hex", rec: &ConnectRequest{
		LastZxidSeen: 0x1a, TimeOut: 30000, Passwd: make([]byte, 16), ReadOnly: true}},
	{name: "ConnectRequest/44", file: "connect_request_44.hex", rec: &ConnectRequest{
		LastZxidSeen: 0x1a, TimeOut: 30000, Passwd: make([]byte, 16), Legacy: true}},
	{name: "ConnectRequest/reconnect", rec: &ConnectRequest{
		ProtocolVersion: 0, LastZxidSeen: -1, TimeOut: 10000, SessionID: 0x0100002ff1600001, Passwd: passwd16},
		hex: "00000000 ffffffffffffffff 00002710 0100002ff1600001 00000010 0102030405060708090a0b0c0d0e0f10 00"},
	{name: "ConnectRequest/nullPasswd", rec: &ConnectRequest{TimeOut: 1, Legacy: true},
		hex: "00000000 0000000000000000 00000001 0000000000000000 ffffffff"},
	{name: "ConnectResponse/37", file: "connect_response_37.hex", rec: &ConnectResponse{
		TimeOut: 4000, SessionID: 0x0100002ff1600001, Passwd: passwd16}},
	{name: "ConnectResponse/36", file: "connect_response_36.hex", rec: &ConnectResponse{
		TimeOut: 4000, SessionID: 0x0100002ff1600001, Passwd: passwd16, Legacy: true}},
	{name: "ConnectResponse/expired", rec: &ConnectResponse{Passwd: make([]byte, 16), ReadOnly: true},
		hex: "00000000 00000000 0000000000000000 00000010 00000000000000000000000000000000 01"},

	// Headers and other envelopes.
	{name: "RequestHeader", rec: &RequestHeader{Xid: 7, Type: OpGetData}, hex: "00000007 00000004"},
	{name: "RequestHeader/ping", rec: &RequestHeader{Xid: XidPing, Type: OpPing}, hex: "fffffffe 0000000b"},
	{name: "RequestHeader/closeSession", rec: &RequestHeader{Xid: 0x7fffffff, Type: OpCloseSession}, hex: "7fffffff fffffff5"},
	{name: "ReplyHeader", rec: &ReplyHeader{Xid: 7, Zxid: 0x123, Err: schema.CodeNoNode}, hex: "00000007 0000000000000123 ffffff9b"},
	{name: "ReplyHeader/notification", rec: &ReplyHeader{Xid: XidNotification, Zxid: -1}, hex: "ffffffff ffffffffffffffff 00000000"},
	{name: "MultiHeader", rec: &MultiHeader{Type: OpCreate, Err: -1}, hex: "00000001 00 ffffffff"},
	{name: "MultiHeader/done", rec: &MultiHeader{Type: OpError, Done: true, Err: -1}, hex: "ffffffff 01 ffffffff"},
	{name: "WatcherEvent", rec: &WatcherEvent{Type: EventNodeCreated, State: StateSyncConnected, Path: "/a"},
		hex: "00000001 00000003 " + hexSlashA},
	{name: "WatcherEvent/none", rec: &WatcherEvent{Type: EventNone, State: StateExpired},
		hex: "ffffffff ffffff90 00000000"},
	{name: "AuthPacket", rec: &AuthPacket{Scheme: "digest", Auth: []byte("alice:pw")},
		hex: "00000000 00000006 646967657374 00000008 616c6963653a7077"},
	{name: "AuthPacket/nullAuth", rec: &AuthPacket{Scheme: "ip"}, hex: "00000000 00000002 6970 ffffffff"},
	{name: "ErrorResponse", rec: &ErrorResponse{Err: schema.CodeNodeExists}, hex: "ffffff92"},

	// Data records.
	{name: "ID", rec: &ID{Scheme: "world", ID: "anyone"}, hex: "00000005 776f726c64 00000006 616e796f6e65"},
	{name: "ACL", rec: &openACL[0], hex: hexWorldACL},
	{name: "ACL/negativePerms", rec: &ACL{Perms: -1, ID: ID{Scheme: "ip", ID: "10.0.0.0/8"}},
		hex: "ffffffff 00000002 6970 0000000a 31302e302e302e302f38"},
	{name: "Stat", rec: &testStat, file: "stat.hex"},
	{name: "ClientInfo", rec: &ClientInfo{AuthScheme: "super"}, hex: "00000005 7375706572 00000000"},

	// Operations.
	{name: "CreateRequest", rec: &CreateRequest{Path: "/a", Data: []byte("hi"), ACL: openACL, Flags: ModeEphemeralSequential},
		hex: hexSlashA + "00000002 6869" + hexOpenACLVec + "00000003"},
	{name: "CreateRequest/nulls", rec: &CreateRequest{Path: "/a"},
		hex: hexSlashA + "ffffffff ffffffff 00000000"},
	{name: "CreateRequest/empties", rec: &CreateRequest{Path: "/a", Data: []byte{}, ACL: []ACL{}, Flags: ModeContainer},
		hex: hexSlashA + "00000000 00000000 00000004"},
	{name: "CreateTTLRequest", rec: &CreateTTLRequest{Path: "/t", Data: []byte{}, ACL: openACL, Flags: ModePersistentWithTTL, TTL: 3000},
		hex: "00000002 2f74 00000000" + hexOpenACLVec + "00000005 0000000000000bb8"},
	{name: "CreateResponse", rec: &CreateResponse{Path: "/a0000000001"}, hex: "0000000c 2f6130303030303030303031"},
	{name: "Create2Response", rec: &Create2Response{Path: "/a", Stat: testStat}, hex: hexSlashA + statHex},
	{name: "DeleteRequest", rec: &DeleteRequest{Path: "/a", Version: -1}, hex: hexSlashA + "ffffffff"},
	{name: "ExistsRequest", rec: &ExistsRequest{Path: "/a", Watch: true}, hex: hexSlashA + "01"},
	{name: "ExistsRequest/emptyPath", rec: &ExistsRequest{}, hex: "00000000 00"},
	{name: "ExistsResponse", rec: &ExistsResponse{Stat: testStat}, hex: statHex},
	{name: "GetDataRequest", rec: &GetDataRequest{Path: "/a"}, hex: hexSlashA + "00"},
	{name: "GetDataResponse", rec: &GetDataResponse{Data: []byte("hi"), Stat: testStat}, hex: "00000002 6869" + statHex},
	{name: "GetDataResponse/nullData", rec: &GetDataResponse{Stat: testStat}, hex: "ffffffff" + statHex},
	{name: "GetDataResponse/emptyData", rec: &GetDataResponse{Data: []byte{}}, hex: "00000000" + hex.EncodeToString(make([]byte, 68))},
	{name: "SetDataRequest", rec: &SetDataRequest{Path: "/a", Data: []byte("v=1"), Version: 3},
		hex: hexSlashA + "00000003 763d31 00000003"},
	{name: "SetDataResponse", rec: &SetDataResponse{Stat: testStat}, hex: statHex},
	{name: "GetACLRequest", rec: &GetACLRequest{Path: "/a"}, hex: hexSlashA},
	{name: "GetACLResponse", rec: &GetACLResponse{ACL: []ACL{{Perms: PermAll, ID: ID{Scheme: "digest", ID: "alice:x"}}}, Stat: testStat},
		hex: "00000001 0000001f 00000006 646967657374 00000007 616c6963653a78" + statHex},
	{name: "SetACLRequest", rec: &SetACLRequest{Path: "/a", ACL: []ACL{{Perms: PermRead, ID: ID{Scheme: "world", ID: "anyone"}}}, Version: 2},
		hex: hexSlashA + "00000001 00000001 00000005 776f726c64 00000006 616e796f6e65 00000002"},
	{name: "SetACLRequest/nullACL", rec: &SetACLRequest{Path: "/a", Version: -1}, hex: hexSlashA + "ffffffff ffffffff"},
	{name: "SetACLResponse", rec: &SetACLResponse{Stat: testStat}, hex: statHex},
	{name: "GetChildrenRequest", rec: &GetChildrenRequest{Path: "/", Watch: true}, hex: "00000001 2f 01"},
	{name: "GetChildrenResponse", rec: &GetChildrenResponse{Children: []string{"config", "quota"}},
		hex: "00000002 00000006 636f6e666967 00000005 71756f7461"},
	{name: "GetChildrenResponse/empty", rec: &GetChildrenResponse{Children: []string{}}, hex: "00000000"},
	{name: "GetChildren2Request", rec: &GetChildren2Request{Path: "/a"}, hex: hexSlashA + "00"},
	{name: "GetChildren2Response", rec: &GetChildren2Response{Children: []string{"b"}, Stat: testStat},
		hex: "00000001 00000001 62" + statHex},
	{name: "GetAllChildrenNumberRequest", rec: &GetAllChildrenNumberRequest{Path: "/g"}, hex: "00000002 2f67"},
	{name: "GetAllChildrenNumberResponse", rec: &GetAllChildrenNumberResponse{TotalNumber: 4}, hex: "00000004"},
	{name: "GetEphemeralsRequest", rec: &GetEphemeralsRequest{PrefixPath: "/eA/"}, hex: "00000004 2f65412f"},
	{name: "GetEphemeralsResponse", rec: &GetEphemeralsResponse{Ephemerals: []string{"/eA/e1"}}, hex: "00000001 00000006 2f65412f6531"},
	{name: "CheckVersionRequest", rec: &CheckVersionRequest{Path: "/a", Version: 5}, hex: hexSlashA + "00000005"},
	{name: "SyncRequest", rec: &SyncRequest{Path: "/a"}, hex: hexSlashA},
	{name: "SyncResponse", rec: &SyncResponse{Path: ""}, hex: "00000000"},
	{name: "SetWatches", rec: &SetWatches{RelativeZxid: 0x10, DataWatches: []string{"/a"}, ExistWatches: []string{}},
		hex: "0000000000000010 00000001" + hexSlashA + "00000000 ffffffff"},
	{name: "SetWatches2", rec: &SetWatches2{RelativeZxid: 0x10, DataWatches: []string{"/a"}, ExistWatches: []string{"/b"},
		ChildWatches: []string{"/c"}, PersistentWatches: []string{"/p"}, PersistentRecursiveWatches: []string{"/r"}},
		hex: "0000000000000010 00000001" + hexSlashA + "00000001 00000002 2f62 00000001 00000002 2f63 00000001 00000002 2f70 00000001 00000002 2f72"},
	{name: "AddWatchRequest", rec: &AddWatchRequest{Path: "/w", Mode: AddWatchPersistentRecursive}, hex: "00000002 2f77 00000001"},
	{name: "CheckWatchesRequest", rec: &CheckWatchesRequest{Path: "/w", Type: WatcherData}, hex: "00000002 2f77 00000002"},
	{name: "RemoveWatchesRequest", rec: &RemoveWatchesRequest{Path: "/w", Type: WatcherAny}, hex: "00000002 2f77 00000003"},
	{name: "WhoAmIResponse", rec: &WhoAmIResponse{ClientInfo: []ClientInfo{{"ip", "127.0.0.1"}, {"digest", "alice"}}},
		hex: "00000002 00000002 6970 00000009 3132372e302e302e31 00000006 646967657374 00000005 616c696365"},
	{name: "WhoAmIResponse/empty", rec: &WhoAmIResponse{ClientInfo: []ClientInfo{}}, hex: "00000000"},

	// SASL (measured: zkCli.sh's first token is empty, the failure reply a null token).
	{name: "SASLRequest/empty", rec: &SASLRequest{Token: []byte{}}, hex: "00000000"},
	{name: "SASLRequest", rec: &SASLRequest{Token: []byte("qop=auth")}, hex: "00000008 716f703d61757468"},
	{name: "SASLRequest/null", rec: &SASLRequest{}, hex: "ffffffff"},
	{name: "SASLResponse", rec: &SASLResponse{Token: []byte("rspauth=")}, hex: "00000008 727370617574683d"},
	{name: "SASLResponse/null", rec: &SASLResponse{}, hex: "ffffffff"},

	// Multi envelopes (more in multi_test.go).
	{name: "MultiRequest/write", file: "multi_request.hex", rec: &MultiRequest{Ops: testMultiOps}},
	{name: "MultiRequest/read", file: "multiread_request.hex", rec: &MultiRequest{Ops: []MultiOp{
		{Op: OpGetData, Request: &GetDataRequest{Path: "/a"}},
		{Op: OpGetChildren, Request: &GetChildrenRequest{Path: "/", Watch: true}},
	}}},
	{name: "MultiRequest/empty", rec: &MultiRequest{}, hex: "ffffffff 01 ffffffff"},
	{name: "MultiResponse/ok", file: "multi_response_ok.hex", rec: &MultiResponse{Results: []MultiResult{
		CreateResult("/m"), Create2Result("/k", testStat), DeleteResult(), SetDataResult(testStat), CheckResult(),
	}}},
	{name: "MultiResponse/failed", file: "multi_response_failed.hex", rec: &MultiResponse{Results: []MultiResult{
		ErrorResult(schema.CodeOK), ErrorResult(schema.CodeOK), ErrorResult(schema.CodeNodeExists),
		ErrorResult(schema.CodeRuntimeInconsistency), ErrorResult(schema.CodeRuntimeInconsistency),
	}}},
	{name: "MultiResponse/read", file: "multiread_response.hex", rec: &MultiResponse{Results: []MultiResult{
		GetDataResult([]byte("hi"), testStat), GetChildrenResult([]string{"b", "c"}),
		ErrorResult(schema.CodeNoNode), GetDataResult(nil, testStat),
	}}},
	{name: "MultiResponse/empty", rec: &MultiResponse{}, hex: "ffffffff 01 ffffffff"},
}

// testMultiOps are the operations of testdata/multi_request.hex.
var testMultiOps = []MultiOp{
	{Op: OpCreate, Request: &CreateRequest{Path: "/m", Data: []byte("x"), ACL: openACL, Flags: ModePersistent}},
	{Op: OpDelete, Request: &DeleteRequest{Path: "/m", Version: -1}},
	{Op: OpSetData, Request: &SetDataRequest{Path: "/n", Data: []byte{}, Version: 2}},
	{Op: OpCheck, Request: &CheckVersionRequest{Path: "/n", Version: 3}},
	{Op: OpCreateTTL, Request: &CreateTTLRequest{Path: "/t", ACL: openACL, Flags: ModePersistentWithTTL, TTL: 1000}},
	{Op: OpCreateContainer, Request: &CreateRequest{Path: "/k", Data: []byte{}, ACL: openACL, Flags: ModeContainer}},
	{Op: OpCreate2, Request: &CreateRequest{Path: "/c", Data: []byte{}, ACL: openACL, Flags: ModeEphemeralSequential}},
}

// newLike returns a new zero record of rec's type.
func newLike(rec Record) Record {
	return reflect.New(reflect.TypeOf(rec).Elem()).Interface().(Record)
}

// isConnect reports whether rec is a handshake record, whose short form
// is a valid prefix of its long form.
func isConnect(rec Record) bool {
	switch rec.(type) {
	case *ConnectRequest, *ConnectResponse:
		return true
	}
	return false
}

func TestRecords_Encode(t *testing.T) {
	for _, c := range recordCases {
		t.Run(c.name, func(t *testing.T) {
			want := c.want(t)
			if got := Append(nil, c.rec); !bytes.Equal(got, want) {
				t.Errorf("encoding:\n got %x\nwant %x", got, want)
			}
			// Appending keeps what is already there.
			if got := Append([]byte{0xaa}, c.rec); !bytes.Equal(got, append([]byte{0xaa}, want...)) {
				t.Errorf("Append to a non-empty slice: got %x", got)
			}
		})
	}
}

func TestRecords_Decode(t *testing.T) {
	for _, c := range recordCases {
		t.Run(c.name, func(t *testing.T) {
			got := newLike(c.rec)
			if err := DecodeExact(c.want(t), got); err != nil {
				t.Fatalf("DecodeExact: %v", err)
			}
			if !reflect.DeepEqual(got, c.rec) {
				t.Errorf("decoded\n %#v\nwant %#v", got, c.rec)
			}
		})
	}
}

// Every proper prefix of an encoding is truncated input (apart from the
// short handshake form inside the long one).
func TestRecords_Truncated(t *testing.T) {
	for _, c := range recordCases {
		t.Run(c.name, func(t *testing.T) {
			b := c.want(t)
			for n := 0; n < len(b); n++ {
				legacy := isConnect(c.rec) && n == len(b)-1 && b[len(b)-1] <= 1 && !reflect.ValueOf(c.rec).Elem().FieldByName("Legacy").Bool()
				err := DecodeExact(b[:n], newLike(c.rec))
				if legacy {
					if err != nil {
						t.Errorf("prefix of %d bytes (short handshake form): %v", n, err)
					}
					continue
				}
				if !errors.Is(err, ErrTruncated) {
					t.Errorf("prefix of %d/%d bytes: err = %v, want ErrTruncated", n, len(b), err)
				}
			}
		})
	}
}

// A byte after a record is refused by DecodeExact and left by
// DecodePrefix (apart from the short handshake form, which it turns into
// the long one).
func TestRecords_TrailingBytes(t *testing.T) {
	for _, c := range recordCases {
		t.Run(c.name, func(t *testing.T) {
			b := append(c.want(t), 0)
			if isConnect(c.rec) && reflect.ValueOf(c.rec).Elem().FieldByName("Legacy").Bool() {
				got := newLike(c.rec)
				if err := DecodeExact(b, got); err != nil || reflect.ValueOf(got).Elem().FieldByName("Legacy").Bool() {
					t.Errorf("short form plus a byte: err %v, decoded %+v; want the long form", err, got)
				}
				return
			}
			if err := DecodeExact(b, newLike(c.rec)); !errors.Is(err, ErrTrailingBytes) {
				t.Errorf("DecodeExact: err = %v, want ErrTrailingBytes", err)
			}
			got := newLike(c.rec)
			n, err := DecodePrefix(b, got)
			if err != nil || n != len(b)-1 || !reflect.DeepEqual(got, c.rec) {
				t.Errorf("DecodePrefix = %d, %v (%+v); want %d, nil", n, err, got, len(b)-1)
			}
		})
	}
}

// Two records in a row, as a packet holds a header and a body.
func TestDecodeExact_HeaderAndBody(t *testing.T) {
	hdr := &ReplyHeader{Xid: 3, Zxid: 9}
	body := &GetChildrenResponse{Children: []string{"x"}}
	b := Append(nil, hdr, body)
	var h2 ReplyHeader
	var b2 GetChildrenResponse
	if err := DecodeExact(b, &h2, &b2); err != nil || h2 != *hdr || !reflect.DeepEqual(&b2, body) {
		t.Fatalf("DecodeExact = %v: %+v %+v", err, h2, b2)
	}
}

// Reply records never send a null vector: nil is encoded as empty, and a
// null one from a peer decodes as empty.
func TestReplies_NilVectorIsEmpty(t *testing.T) {
	cases := []struct {
		rec  Record
		want string
	}{
		{&GetChildrenResponse{}, "00000000"},
		{&GetChildren2Response{}, "00000000" + hex.EncodeToString(make([]byte, 68))},
		{&GetEphemeralsResponse{}, "00000000"},
		{&GetACLResponse{}, "00000000" + hex.EncodeToString(make([]byte, 68))},
		{&WhoAmIResponse{}, "00000000"},
		{&MultiResponse{Results: []MultiResult{GetChildrenResult(nil)}}, "00000008 00 00000000 00000000 ffffffff 01 ffffffff"},
	}
	for _, c := range cases {
		if got := Append(nil, c.rec); !bytes.Equal(got, unhex(t, c.want)) {
			t.Errorf("%T with nil vector: got %x, want %s", c.rec, got, c.want)
		}
	}
	null := []struct {
		rec   Record
		in    string
		empty func(Record) bool
	}{
		{&GetChildrenResponse{}, "ffffffff", func(r Record) bool { v := r.(*GetChildrenResponse).Children; return v != nil && len(v) == 0 }},
		{&GetEphemeralsResponse{}, "ffffffff", func(r Record) bool { v := r.(*GetEphemeralsResponse).Ephemerals; return v != nil && len(v) == 0 }},
		{&WhoAmIResponse{}, "ffffffff", func(r Record) bool { v := r.(*WhoAmIResponse).ClientInfo; return v != nil && len(v) == 0 }},
		{&GetACLResponse{}, "ffffffff" + statHex, func(r Record) bool { v := r.(*GetACLResponse).ACL; return v != nil && len(v) == 0 }},
	}
	for _, c := range null {
		if err := DecodeExact(unhex(t, c.in), c.rec); err != nil || !c.empty(c.rec) {
			t.Errorf("%T from a null vector: err %v, got %+v; want an empty non-nil slice", c.rec, err, c.rec)
		}
	}
}

// Requests keep null and empty apart.
func TestRequests_NullAndEmptyDiffer(t *testing.T) {
	var null, empty SetWatches
	if err := DecodeExact(unhex(t, "0000000000000000 ffffffff ffffffff ffffffff"), &null); err != nil {
		t.Fatal(err)
	}
	if err := DecodeExact(unhex(t, "0000000000000000 00000000 00000000 00000000"), &empty); err != nil {
		t.Fatal(err)
	}
	if null.DataWatches != nil || empty.DataWatches == nil || len(empty.DataWatches) != 0 {
		t.Errorf("null %#v, empty %#v", null, empty)
	}
}

// A null path is not an empty one.
func TestRequests_NullPath(t *testing.T) {
	var r GetDataRequest
	err := DecodeExact(unhex(t, "ffffffff 00"), &r)
	if !errors.Is(err, ErrNullString) {
		t.Fatalf("err = %v, want ErrNullString", err)
	}
	var a AuthPacket
	if err := DecodeExact(unhex(t, "00000000 ffffffff 00000000"), &a); !errors.Is(err, ErrNullString) {
		t.Fatalf("AuthPacket with null scheme: err = %v, want ErrNullString", err)
	}
}

// A decoded buffer does not alias the input.
func TestDecoder_BufferIsCopied(t *testing.T) {
	in := unhex(t, "00000002 2f61 00000002 6869 00000005")
	var r SetDataRequest
	if err := DecodeExact(in, &r); err != nil {
		t.Fatal(err)
	}
	in[10], in[11] = 'X', 'Y'
	if string(r.Data) != "hi" {
		t.Fatalf("Data changed with the input: %q", r.Data)
	}
}

// jute.Stat and schema.Stat convert to each other.
func TestStat_ConvertsToSchema(t *testing.T) {
	s := schema.Stat(testStat)
	if Stat(s) != testStat {
		t.Fatal("conversion lost fields")
	}
	if schema.ID(openACL[0].ID) != (schema.ID{Scheme: "world", ID: "anyone"}) {
		t.Fatal("ID conversion")
	}
}
