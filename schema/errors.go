package schema

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Code is a ZooKeeper error code, as carried in ReplyHeader.err and in the
// results of a multi. The values and names are those of
// org.apache.zookeeper.KeeperException.Code in ZooKeeper 3.8.
type Code int32

// ZooKeeper's error codes. Codes between CodeSystemError and CodeAPIError
// are system errors; codes below CodeAPIError are API errors. CodeSystemError
// and CodeAPIError themselves only mark those ranges in ZooKeeper, but
// zkgate uses CodeSystemError for internal failures that have no better
// code (see CodeOf).
const (
	CodeOK                           Code = 0
	CodeSystemError                  Code = -1
	CodeRuntimeInconsistency         Code = -2
	CodeDataInconsistency            Code = -3
	CodeConnectionLoss               Code = -4
	CodeMarshallingError             Code = -5
	CodeUnimplemented                Code = -6
	CodeOperationTimeout             Code = -7
	CodeBadArguments                 Code = -8
	CodeUnknownSession               Code = -12
	CodeNewConfigNoQuorum            Code = -13
	CodeReconfigInProgress           Code = -14
	CodeAPIError                     Code = -100
	CodeNoNode                       Code = -101
	CodeNoAuth                       Code = -102
	CodeBadVersion                   Code = -103
	CodeNoChildrenForEphemerals      Code = -108
	CodeNodeExists                   Code = -110
	CodeNotEmpty                     Code = -111
	CodeSessionExpired               Code = -112
	CodeInvalidCallback              Code = -113
	CodeInvalidACL                   Code = -114
	CodeAuthFailed                   Code = -115
	CodeSessionMoved                 Code = -118
	CodeNotReadOnly                  Code = -119
	CodeEphemeralOnLocalSession      Code = -120
	CodeNoWatcher                    Code = -121
	CodeRequestTimeout               Code = -122
	CodeReconfigDisabled             Code = -123
	CodeSessionClosedRequireSaslAuth Code = -124
	CodeQuotaExceeded                Code = -125
	CodeThrottledOp                  Code = -127
)

// codeInfo is a code's name and message; codeInfos is the one table of them.
type codeInfo struct {
	name string // KeeperException.Code's CamelCase name
	// msg is what KeeperException.getCodeMessage returns. Empty means the
	// code has no case there, and ZooKeeper prints "Unknown error " and
	// the enum constant's name.
	msg string
}

var codeInfos = map[Code]codeInfo{
	CodeOK:                           {"Ok", "ok"},
	CodeSystemError:                  {"SystemError", "SystemError"},
	CodeRuntimeInconsistency:         {"RuntimeInconsistency", "RuntimeInconsistency"},
	CodeDataInconsistency:            {"DataInconsistency", "DataInconsistency"},
	CodeConnectionLoss:               {"ConnectionLoss", "ConnectionLoss"},
	CodeMarshallingError:             {"MarshallingError", "MarshallingError"},
	CodeUnimplemented:                {"Unimplemented", "Unimplemented"},
	CodeOperationTimeout:             {"OperationTimeout", "OperationTimeout"},
	CodeBadArguments:                 {"BadArguments", "BadArguments"},
	CodeUnknownSession:               {"UnknownSession", ""},
	CodeNewConfigNoQuorum:            {"NewConfigNoQuorum", "NewConfigNoQuorum"},
	CodeReconfigInProgress:           {"ReconfigInProgress", "ReconfigInProgress"},
	CodeAPIError:                     {"APIError", "APIError"},
	CodeNoNode:                       {"NoNode", "NoNode"},
	CodeNoAuth:                       {"NoAuth", "NoAuth"},
	CodeBadVersion:                   {"BadVersion", "BadVersion"},
	CodeNoChildrenForEphemerals:      {"NoChildrenForEphemerals", "NoChildrenForEphemerals"},
	CodeNodeExists:                   {"NodeExists", "NodeExists"},
	CodeNotEmpty:                     {"NotEmpty", "Directory not empty"},
	CodeSessionExpired:               {"SessionExpired", "Session expired"},
	CodeInvalidCallback:              {"InvalidCallback", "Invalid callback"},
	CodeInvalidACL:                   {"InvalidACL", "InvalidACL"},
	CodeAuthFailed:                   {"AuthFailed", "AuthFailed"},
	CodeSessionMoved:                 {"SessionMoved", "Session moved"},
	CodeNotReadOnly:                  {"NotReadOnly", "Not a read-only call"},
	CodeEphemeralOnLocalSession:      {"EphemeralOnLocalSession", "Ephemeral node on local session"},
	CodeNoWatcher:                    {"NoWatcher", "No such watcher"},
	CodeRequestTimeout:               {"RequestTimeout", ""},
	CodeReconfigDisabled:             {"ReconfigDisabled", "Reconfig is disabled"},
	CodeSessionClosedRequireSaslAuth: {"SessionClosedRequireSaslAuth", "Session closed because client failed to authenticate"},
	CodeQuotaExceeded:                {"QuotaExceeded", "Quota has exceeded"},
	CodeThrottledOp:                  {"ThrottledOp", "Op throttled due to high load"},
}

// String returns the code's name as KeeperException.Code spells it in
// CamelCase ("NoNode", "BadVersion", "Ok" for 0), or "Code(-999)" for a
// code ZooKeeper does not define.
func (c Code) String() string {
	if info, ok := codeInfos[c]; ok {
		return info.name
	}
	return "Code(" + strconv.Itoa(int(c)) + ")"
}

// message is KeeperException.getCodeMessage(c): the text after
// "KeeperErrorCode = ". ZooKeeper 3.8 has no case for UnknownSession and
// RequestTimeout, so those print as "Unknown error UNKNOWNSESSION" and
// "Unknown error REQUESTTIMEOUT" (the enum constant's name), and so do
// they here. Codes ZooKeeper does not define print as
// "Unknown error Code(N)".
func (c Code) message() string {
	info, ok := codeInfos[c]
	switch {
	case !ok:
		return "Unknown error " + c.String()
	case info.msg == "":
		return "Unknown error " + strings.ToUpper(info.name)
	}
	return info.msg
}

// CodeFromName is the inverse of Code.String, for reading error names off
// the wire of zkgate's own API. Names match case-insensitively, so the
// Java enum constants ("NONODE", "SESSIONCLOSEDREQUIRESASLAUTH") are
// accepted too, and "Code(N)" gives back any code String printed that way.
func CodeFromName(name string) (Code, bool) {
	for c, info := range codeInfos {
		if strings.EqualFold(name, info.name) {
			return c, true
		}
	}
	if num, ok := strings.CutPrefix(name, "Code("); ok {
		if num, ok := strings.CutSuffix(num, ")"); ok {
			n, err := strconv.ParseInt(num, 10, 32)
			if err == nil {
				return Code(n), true
			}
		}
	}
	return 0, false
}

// Error is a ZooKeeper error: a code, the path it concerns (may be empty)
// and an optional detail message that ZooKeeper would only log. Compare
// errors with errors.Is against the sentinels below (any path matches), or
// get the code with CodeOf.
type Error struct {
	Code Code
	Path string
	Msg  string
}

// NewError returns an *Error with the given code and path.
func NewError(code Code, path string) *Error {
	return &Error{Code: code, Path: path}
}

// Errorf returns an *Error with the given code and path and a detail
// message formatted as by fmt.Sprintf.
func Errorf(code Code, path, format string, args ...any) *Error {
	return &Error{Code: code, Path: path, Msg: fmt.Sprintf(format, args...)}
}

// Error formats e as KeeperException.getMessage does,
// "KeeperErrorCode = NoNode for /a/b" (without " for ..." when Path is
// empty), followed by ": " and Msg when Msg is set.
func (e *Error) Error() string {
	if e == nil {
		return "<nil>"
	}
	var b strings.Builder
	b.WriteString("KeeperErrorCode = ")
	b.WriteString(e.Code.message())
	if e.Path != "" {
		b.WriteString(" for ")
		b.WriteString(e.Path)
	}
	if e.Msg != "" {
		b.WriteString(": ")
		b.WriteString(e.Msg)
	}
	return b.String()
}

// Is reports whether target is an *Error with the same Code, whatever its
// Path and Msg, so that errors.Is(err, ErrNoNode) holds for a NoNode error
// on any path.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t != nil && e != nil && t.Code == e.Code
}

// CodeOf returns the ZooKeeper code of err: CodeOK for nil, the Code of the
// first *Error in err's chain (see errors.As), and CodeSystemError for any
// other error.
func CodeOf(err error) Code {
	if err == nil {
		return CodeOK
	}
	var e *Error
	if errors.As(err, &e) && e != nil {
		return e.Code
	}
	return CodeSystemError
}

// Sentinel errors, one per code zkgate returns. Each has only its Code set;
// match them with errors.Is, never with ==, since returned errors usually
// carry a path.
var (
	// ErrNoNode is returned when a znode (or, for create, its parent) does
	// not exist.
	ErrNoNode = &Error{Code: CodeNoNode}
	// ErrNodeExists is returned by create when the znode already exists.
	ErrNodeExists = &Error{Code: CodeNodeExists}
	// ErrBadVersion is returned when an expected version (setData, delete,
	// setACL, check) does not match, and when deleteContainer meets a
	// znode that is not a container or TTL node.
	ErrBadVersion = &Error{Code: CodeBadVersion}
	// ErrNotEmpty is returned when deleting a znode that has children.
	ErrNotEmpty = &Error{Code: CodeNotEmpty}
	// ErrNoAuth is returned when the session's identities do not grant the
	// permission an operation needs (see Allowed).
	ErrNoAuth = &Error{Code: CodeNoAuth}
	// ErrBadArguments is returned for an invalid path on a write (see
	// ValidatePath), a bad TTL or create mode, and other malformed
	// arguments.
	ErrBadArguments = &Error{Code: CodeBadArguments}
	// ErrNoChildrenForEphemerals is returned when creating a child of an
	// ephemeral znode.
	ErrNoChildrenForEphemerals = &Error{Code: CodeNoChildrenForEphemerals}
	// ErrInvalidACL is returned for an empty or malformed ACL, or an "auth"
	// entry when the session has no authenticated identity (see FixupACL).
	ErrInvalidACL = &Error{Code: CodeInvalidACL}
	// ErrAuthFailed is returned by addAuth for a scheme zkgate does not
	// support (see AuthFromCredentials).
	ErrAuthFailed = &Error{Code: CodeAuthFailed}
	// ErrSessionExpired is returned for requests on a session that has
	// expired or was closed.
	ErrSessionExpired = &Error{Code: CodeSessionExpired}
	// ErrUnimplemented is returned for an operation or feature zkgate does
	// not implement (for example TTL nodes when they are disabled).
	ErrUnimplemented = &Error{Code: CodeUnimplemented}
	// ErrRuntimeInconsistency is the result of the ops after the failing
	// one in a failed multi.
	ErrRuntimeInconsistency = &Error{Code: CodeRuntimeInconsistency}
	// ErrSystemError is returned for internal failures (an etcd error, a
	// corrupt record) that have no more specific code.
	ErrSystemError = &Error{Code: CodeSystemError}
	// ErrNoWatcher is returned by removeWatches and checkWatches when the
	// watch does not exist.
	ErrNoWatcher = &Error{Code: CodeNoWatcher}
	// ErrMarshallingError is returned when a request cannot be decoded
	// (for example a null path).
	ErrMarshallingError = &Error{Code: CodeMarshallingError}
	// ErrUnknownSession is returned when a session id is not known (ZooKeeper
	// uses it internally; clients see SessionExpired).
	ErrUnknownSession = &Error{Code: CodeUnknownSession}
	// ErrSessionMoved is returned when a session is used on a connection
	// other than the one that now owns it.
	ErrSessionMoved = &Error{Code: CodeSessionMoved}
	// ErrQuotaExceeded is returned when a write would exceed an enforced
	// quota.
	ErrQuotaExceeded = &Error{Code: CodeQuotaExceeded}
	// ErrReconfigDisabled is returned by reconfig, which zkgate does not
	// support.
	ErrReconfigDisabled = &Error{Code: CodeReconfigDisabled}
)
