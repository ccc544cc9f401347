package api

import (
	"testing"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/zkgate/zkgate/schema/zkgatepb"
)

func TestWithNullData_Table(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{}`, `{"data":null}`},
		{` { }`, ` {"data":null }`},
		{`{"zxid":"3"}`, `{"data":null,"zxid":"3"}`},
		{`{"data":"","zxid":"3"}`, `{"data":"","zxid":"3"}`},
		{`{"data":null}`, `{"data":null}`},
	} {
		got, err := withNullData([]byte(tc.in))
		if err != nil || string(got) != tc.want {
			t.Errorf("withNullData(%s) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	if _, err := withNullData([]byte(`[1]`)); err == nil {
		t.Error("withNullData of a JSON array: no error")
	}
}

// Only GetDataResponse with null data gets "data": null; empty data is
// "", and other messages are as JSONPb marshals them.
func TestNullDataMarshaler_OnlyNullGetData(t *testing.T) {
	m := nullDataMarshaler{&runtime.JSONPb{MarshalOptions: protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true}}}
	for _, tc := range []struct {
		msg  any
		want string
	}{
		{&zkgatepb.GetDataResponse{Zxid: 3}, `{"data":null,"stat":null,"zxid":"3"}`},
		{&zkgatepb.GetDataResponse{Data: []byte{}, Zxid: 3}, `{"data":"","stat":null,"zxid":"3"}`},
		{&zkgatepb.GetDataResponse{Data: []byte("hi")}, `{"data":"aGk=","stat":null,"zxid":"0"}`},
		{&zkgatepb.SetDataResponse{Zxid: 3}, `{"stat":null,"zxid":"3"}`},
	} {
		b, err := m.Marshal(tc.msg)
		if err != nil {
			t.Fatal(err)
		}
		if got := compactJSON(t, b); got != tc.want {
			t.Errorf("Marshal(%T) = %s, want %s", tc.msg, got, tc.want)
		}
	}
}

// compactJSON drops the spaces protojson may put after ':' and ','.
func compactJSON(t *testing.T, b []byte) string {
	t.Helper()
	out := make([]byte, 0, len(b))
	inString := false
	for i, c := range b {
		if c == '"' && (i == 0 || b[i-1] != '\\') {
			inString = !inString
		}
		if !inString && (c == ' ' || c == '\n') {
			continue
		}
		out = append(out, c)
	}
	return string(out)
}
