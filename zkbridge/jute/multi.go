package jute

import (
	"fmt"

	"github.com/zkgate/zkgate/schema"
)

// MultiOp is one operation of a multi (14) or multiRead (22) request.
// Op is the type from its MultiHeader; Request is the record, by Op:
//
//	OpCreate, OpCreate2, OpCreateContainer  *CreateRequest
//	OpCreateTTL                             *CreateTTLRequest
//	OpDelete                                *DeleteRequest
//	OpSetData                               *SetDataRequest
//	OpCheck                                 *CheckVersionRequest
//	OpGetData                               *GetDataRequest      (multiRead)
//	OpGetChildren                           *GetChildrenRequest  (multiRead)
type MultiOp struct {
	Op      OpCode
	Request Record
}

// newMultiOpRecord returns an empty record for a multi operation type,
// or nil if the type cannot appear in a multi.
func newMultiOpRecord(op OpCode) Record {
	switch op {
	case OpCreate, OpCreate2, OpCreateContainer:
		return &CreateRequest{}
	case OpCreateTTL:
		return &CreateTTLRequest{}
	case OpDelete:
		return &DeleteRequest{}
	case OpSetData:
		return &SetDataRequest{}
	case OpCheck:
		return &CheckVersionRequest{}
	case OpGetData:
		return &GetDataRequest{}
	case OpGetChildren:
		return &GetChildrenRequest{}
	}
	return nil
}

// isMultiRead reports whether op belongs in a multiRead rather than a
// multi.
func isMultiRead(op OpCode) bool {
	return op == OpGetData || op == OpGetChildren
}

// MultiRequest is the body of multi (14) and multiRead (22): a sequence
// of (MultiHeader, operation record) ended by a MultiHeader with done
// set. Ops is nil for an empty multi.
type MultiRequest struct {
	Ops []MultiOp
}

// Encode implements Encodable, writing each operation's header as the
// Java client does ({op, false, -1}) and the end header {-1, true, -1}.
// Each Request must be the record type its Op calls for.
func (r *MultiRequest) Encode(e *Encoder) {
	for _, op := range r.Ops {
		h := MultiHeader{Type: op.Op, Done: false, Err: -1}
		h.Encode(e)
		op.Request.Encode(e)
	}
	multiDone.Encode(e)
}

// Decode implements Decodable. It reads operations until a header with
// done set, whatever that header's type and err (as ZooKeeper does); the
// err of the other headers is ignored. An operation type that cannot
// appear in any multi fails with ErrUnknownOp. Decode does not check that
// the operations suit the request's opcode: see CheckKind.
func (r *MultiRequest) Decode(d *Decoder) error {
	r.Ops = nil
	for {
		start := d.Offset()
		var h MultiHeader
		if err := h.Decode(d); err != nil {
			return err
		}
		if h.Done {
			return nil
		}
		rec := newMultiOpRecord(h.Type)
		if rec == nil {
			return d.fail(fmt.Errorf("jute: multi operation at offset %d has type %d: %w", start, h.Type, ErrUnknownOp))
		}
		if err := rec.Decode(d); err != nil {
			return err
		}
		r.Ops = append(r.Ops, MultiOp{Op: h.Type, Request: rec})
	}
}

// CheckKind checks that every operation suits the request's opcode:
// writes (create, create2, createContainer, createTTL, delete, setData,
// check) for OpMulti, reads (getData, getChildren) for OpMultiRead. It
// returns an error wrapping ErrMultiKind for the first one that does
// not (ZooKeeper answers such a request with MarshallingError).
func (r *MultiRequest) CheckKind(opcode OpCode) error {
	if opcode != OpMulti && opcode != OpMultiRead {
		return fmt.Errorf("jute: %v is not a multi opcode: %w", opcode, ErrMultiKind)
	}
	for i, op := range r.Ops {
		if isMultiRead(op.Op) != (opcode == OpMultiRead) {
			return fmt.Errorf("jute: operation %d (%v) in a %v: %w", i, op.Op, opcode, ErrMultiKind)
		}
	}
	return nil
}

// MultiResult is the result of one operation of a multi or multiRead.
// Op selects the MultiHeader type and which fields are sent:
//
//	OpCreate       {Path}            CreateResponse
//	OpCreate2      {Path, Stat}      Create2Response
//	OpDelete       {}
//	OpSetData      {Stat}            SetDataResponse
//	OpCheck        {}
//	OpGetData      {Data, Stat}      GetDataResponse
//	OpGetChildren  {Children}        GetChildrenResponse
//	OpError        {Err}             ErrorResponse; the header's err is Err too
//
// Build results with the constructors below.
type MultiResult struct {
	Op       OpCode
	Path     string
	Stat     Stat
	Data     []byte
	Children []string
	Err      schema.Code
}

// CreateResult is the result of a create: type 1 {path}. A real
// ZooKeeper 3.8 also answers create2 inside a multi this way.
func CreateResult(path string) MultiResult {
	return MultiResult{Op: OpCreate, Path: path}
}

// Create2Result is the result of a createContainer or createTTL (and of
// create2 where the Stat is wanted): type 15 {path, Stat}.
func Create2Result(path string, stat Stat) MultiResult {
	return MultiResult{Op: OpCreate2, Path: path, Stat: stat}
}

// DeleteResult is the result of a delete: type 2, no body.
func DeleteResult() MultiResult { return MultiResult{Op: OpDelete} }

// SetDataResult is the result of a setData: type 5 {Stat}.
func SetDataResult(stat Stat) MultiResult {
	return MultiResult{Op: OpSetData, Stat: stat}
}

// CheckResult is the result of a check: type 13, no body.
func CheckResult() MultiResult { return MultiResult{Op: OpCheck} }

// GetDataResult is the result of a getData in a multiRead: type 4
// {data, Stat}. Nil data is sent as a null buffer.
func GetDataResult(data []byte, stat Stat) MultiResult {
	return MultiResult{Op: OpGetData, Data: data, Stat: stat}
}

// GetChildrenResult is the result of a getChildren in a multiRead:
// type 8 {children}.
func GetChildrenResult(children []string) MultiResult {
	return MultiResult{Op: OpGetChildren, Children: children}
}

// ErrorResult is a failed (or, with code 0, rolled back) operation:
// type -1 {err}.
func ErrorResult(code schema.Code) MultiResult {
	return MultiResult{Op: OpError, Err: code}
}

// MultiResponse answers multi and multiRead (with ReplyHeader.err 0 even
// when the multi failed): one (MultiHeader, result) per operation, then
// the end header {-1, true, -1}.
type MultiResponse struct {
	Results []MultiResult
}

// Encode implements Encodable, as ZooKeeper's MultiResponse.serialize:
// each header is {type, false, err} with err the code of an error result
// and 0 otherwise. It panics on a result whose Op is not in the table of
// MultiResult, which only a programming error produces.
func (r *MultiResponse) Encode(e *Encoder) {
	for i := range r.Results {
		res := &r.Results[i]
		h := MultiHeader{Type: res.Op}
		if res.Op == OpError {
			h.Err = res.Err
		}
		h.Encode(e)
		switch res.Op {
		case OpCreate:
			e.WriteString(res.Path)
		case OpCreate2:
			e.WriteString(res.Path)
			res.Stat.Encode(e)
		case OpDelete, OpCheck:
		case OpSetData:
			res.Stat.Encode(e)
		case OpGetData:
			e.WriteBuffer(res.Data)
			res.Stat.Encode(e)
		case OpGetChildren:
			e.writeStrings(res.Children)
		case OpError:
			e.WriteInt(int32(res.Err))
		default:
			panic(fmt.Sprintf("jute: MultiResult %d has op %v, which has no multi result encoding", i, res.Op))
		}
	}
	multiDone.Encode(e)
}

// Decode implements Decodable, as a client reads a multi response. The
// code of an error result is taken from its body. A result type not in
// the table of MultiResult fails with ErrUnknownOp. Results is nil when
// there are none.
func (r *MultiResponse) Decode(d *Decoder) error {
	r.Results = nil
	for {
		start := d.Offset()
		var h MultiHeader
		if err := h.Decode(d); err != nil {
			return err
		}
		if h.Done {
			return nil
		}
		res := MultiResult{Op: h.Type}
		switch h.Type {
		case OpCreate:
			res.Path = d.ReadString()
		case OpCreate2:
			res.Path = d.ReadString()
			res.Stat.Decode(d)
		case OpDelete, OpCheck:
		case OpSetData:
			res.Stat.Decode(d)
		case OpGetData:
			res.Data = d.ReadBuffer()
			res.Stat.Decode(d)
		case OpGetChildren:
			res.Children = d.readStrings()
		case OpError:
			res.Err = schema.Code(d.ReadInt())
		default:
			return d.fail(fmt.Errorf("jute: multi result at offset %d has type %d: %w", start, h.Type, ErrUnknownOp))
		}
		if err := d.Err(); err != nil {
			return err
		}
		r.Results = append(r.Results, res)
	}
}
