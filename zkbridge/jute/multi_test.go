package jute

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/zkgate/zkgate/schema"
)

func TestMultiRequest_DecodeTypedOps(t *testing.T) {
	var m MultiRequest
	if err := DecodeExact(readHex(t, "multi_request.hex"), &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Ops) != 7 {
		t.Fatalf("got %d ops, want 7", len(m.Ops))
	}
	// The record types the bridge switches on.
	if _, ok := m.Ops[0].Request.(*CreateRequest); !ok || m.Ops[0].Op != OpCreate {
		t.Errorf("op 0 = %v %T", m.Ops[0].Op, m.Ops[0].Request)
	}
	if r, ok := m.Ops[4].Request.(*CreateTTLRequest); !ok || r.TTL != 1000 || r.Data != nil {
		t.Errorf("op 4 = %T %+v", m.Ops[4].Request, m.Ops[4].Request)
	}
	if r, ok := m.Ops[5].Request.(*CreateRequest); !ok || m.Ops[5].Op != OpCreateContainer || r.Flags != ModeContainer {
		t.Errorf("op 5 = %v %+v", m.Ops[5].Op, m.Ops[5].Request)
	}
	if err := m.CheckKind(OpMulti); err != nil {
		t.Errorf("CheckKind(multi) = %v", err)
	}
	if err := m.CheckKind(OpMultiRead); !errors.Is(err, ErrMultiKind) {
		t.Errorf("CheckKind(multiRead) = %v, want ErrMultiKind", err)
	}
}

// ZooKeeper ignores the err of operation headers and stops at any header
// with done set.
func TestMultiRequest_LenientHeaders(t *testing.T) {
	in := unhex(t, `
		00000002 00 00000000  00000002 2f61 00000001   # delete, header err 0
		00000002 00 7fffffff  00000002 2f62 00000002   # delete, header err junk
		00000002 01 00000000                           # done, but type 2 and err 0
	`)
	var m MultiRequest
	if err := DecodeExact(in, &m); err != nil {
		t.Fatal(err)
	}
	want := []MultiOp{
		{Op: OpDelete, Request: &DeleteRequest{Path: "/a", Version: 1}},
		{Op: OpDelete, Request: &DeleteRequest{Path: "/b", Version: 2}},
	}
	if !reflect.DeepEqual(m.Ops, want) {
		t.Fatalf("ops = %+v", m.Ops)
	}
}

func TestMultiRequest_Errors(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want error
	}{
		{"empty input", "", ErrTruncated},
		{"no done header", "00000002 00 ffffffff 00000002 2f61 00000001", ErrTruncated},
		{"short header", "ffffffff 01 ffff", ErrTruncated},
		{"exists is not a multi op", "00000003 00 ffffffff 00000002 2f61 00 ffffffff 01 ffffffff", ErrUnknownOp},
		{"multi inside multi", "0000000e 00 ffffffff ffffffff 01 ffffffff", ErrUnknownOp},
		{"error header as op", "ffffffff 00 ffffffff ffffffff 01 ffffffff", ErrUnknownOp},
		{"null path", "00000002 00 ffffffff ffffffff 00000001 ffffffff 01 ffffffff", ErrNullString},
		{"bad acl count", "00000001 00 ffffffff 00000002 2f61 00000000 fffffffe 00000000 ffffffff 01 ffffffff", ErrNegativeLength},
		{"trailing", "ffffffff 01 ffffffff 00", ErrTrailingBytes},
	}
	for _, c := range cases {
		var m MultiRequest
		if err := DecodeExact(unhex(t, c.in), &m); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
}

func TestMultiRequest_CheckKind(t *testing.T) {
	read := MultiRequest{Ops: []MultiOp{{Op: OpGetData, Request: &GetDataRequest{}}, {Op: OpGetChildren, Request: &GetChildrenRequest{}}}}
	write := MultiRequest{Ops: testMultiOps}
	mixed := MultiRequest{Ops: []MultiOp{{Op: OpCheck, Request: &CheckVersionRequest{}}, {Op: OpGetData, Request: &GetDataRequest{}}}}
	var empty MultiRequest
	cases := []struct {
		m      *MultiRequest
		opcode OpCode
		ok     bool
	}{
		{&read, OpMultiRead, true},
		{&read, OpMulti, false},
		{&write, OpMulti, true},
		{&write, OpMultiRead, false},
		{&mixed, OpMulti, false},
		{&mixed, OpMultiRead, false},
		{&empty, OpMulti, true},
		{&empty, OpMultiRead, true},
		{&empty, OpCreate, false},
	}
	for i, c := range cases {
		err := c.m.CheckKind(c.opcode)
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrMultiKind)) {
			t.Errorf("case %d: CheckKind(%v) = %v, want ok=%v", i, c.opcode, err, c.ok)
		}
	}
}

func TestMultiResponse_HeaderErrCarriesCode(t *testing.T) {
	b := Append(nil, &MultiResponse{Results: []MultiResult{ErrorResult(schema.CodeBadVersion), CheckResult()}})
	want := unhex(t, "ffffffff 00 ffffff99 ffffff99  0000000d 00 00000000  ffffffff 01 ffffffff")
	if string(b) != string(want) {
		t.Fatalf("got %x\nwant %x", b, want)
	}
}

func TestMultiResponse_DecodeErrors(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want error
	}{
		{"no done header", "00000002 00 00000000", ErrTruncated},
		{"unknown result type", "00000003 00 00000000 ffffffff 01 ffffffff", ErrUnknownOp},
		{"result type 19 (clients only know 15)", "00000013 00 00000000 ffffffff 01 ffffffff", ErrUnknownOp},
		{"truncated stat", "00000005 00 00000000 00000000", ErrTruncated},
	}
	for _, c := range cases {
		var m MultiResponse
		if err := DecodeExact(unhex(t, c.in), &m); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
}

func TestMultiResponse_EncodeBadOpPanics(t *testing.T) {
	defer func() {
		r := recover()
		if s, ok := r.(string); !ok || !strings.Contains(s, "exists") {
			t.Fatalf("recover() = %v, want a panic naming the op", r)
		}
	}()
	Append(nil, &MultiResponse{Results: []MultiResult{{Op: OpExists}}})
}
