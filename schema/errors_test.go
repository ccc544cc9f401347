package schema

import (
	"errors"
	"fmt"
	"io"
	"testing"
)

// allCodes lists every code with ZooKeeper's value and name.
var allCodes = []struct {
	code  Code
	value int32
	name  string
	msg   string // KeeperException.getCodeMessage
}{
	{CodeOK, 0, "Ok", "ok"},
	{CodeSystemError, -1, "SystemError", "SystemError"},
	{CodeRuntimeInconsistency, -2, "RuntimeInconsistency", "RuntimeInconsistency"},
	{CodeDataInconsistency, -3, "DataInconsistency", "DataInconsistency"},
	{CodeConnectionLoss, -4, "ConnectionLoss", "ConnectionLoss"},
	{CodeMarshallingError, -5, "MarshallingError", "MarshallingError"},
	{CodeUnimplemented, -6, "Unimplemented", "Unimplemented"},
	{CodeOperationTimeout, -7, "OperationTimeout", "OperationTimeout"},
	{CodeBadArguments, -8, "BadArguments", "BadArguments"},
	{CodeUnknownSession, -12, "UnknownSession", "Unknown error UNKNOWNSESSION"},
	{CodeNewConfigNoQuorum, -13, "NewConfigNoQuorum", "NewConfigNoQuorum"},
	{CodeReconfigInProgress, -14, "ReconfigInProgress", "ReconfigInProgress"},
	{CodeAPIError, -100, "APIError", "APIError"},
	{CodeNoNode, -101, "NoNode", "NoNode"},
	{CodeNoAuth, -102, "NoAuth", "NoAuth"},
	{CodeBadVersion, -103, "BadVersion", "BadVersion"},
	{CodeNoChildrenForEphemerals, -108, "NoChildrenForEphemerals", "NoChildrenForEphemerals"},
	{CodeNodeExists, -110, "NodeExists", "NodeExists"},
	{CodeNotEmpty, -111, "NotEmpty", "Directory not empty"},
	{CodeSessionExpired, -112, "SessionExpired", "Session expired"},
	{CodeInvalidCallback, -113, "InvalidCallback", "Invalid callback"},
	{CodeInvalidACL, -114, "InvalidACL", "InvalidACL"},
	{CodeAuthFailed, -115, "AuthFailed", "AuthFailed"},
	{CodeSessionMoved, -118, "SessionMoved", "Session moved"},
	{CodeNotReadOnly, -119, "NotReadOnly", "Not a read-only call"},
	{CodeEphemeralOnLocalSession, -120, "EphemeralOnLocalSession", "Ephemeral node on local session"},
	{CodeNoWatcher, -121, "NoWatcher", "No such watcher"},
	{CodeRequestTimeout, -122, "RequestTimeout", "Unknown error REQUESTTIMEOUT"},
	{CodeReconfigDisabled, -123, "ReconfigDisabled", "Reconfig is disabled"},
	{CodeSessionClosedRequireSaslAuth, -124, "SessionClosedRequireSaslAuth", "Session closed because client failed to authenticate"},
	{CodeQuotaExceeded, -125, "QuotaExceeded", "Quota has exceeded"},
	{CodeThrottledOp, -127, "ThrottledOp", "Op throttled due to high load"},
}

func TestCode_Values(t *testing.T) {
	if len(allCodes) != len(codeInfos) {
		t.Fatalf("table has %d codes, package has %d", len(allCodes), len(codeInfos))
	}
	for _, tc := range allCodes {
		if int32(tc.code) != tc.value {
			t.Errorf("%s = %d, want %d", tc.name, tc.code, tc.value)
		}
	}
}

func TestCode_String(t *testing.T) {
	for _, tc := range allCodes {
		if got := tc.code.String(); got != tc.name {
			t.Errorf("Code(%d).String() = %q, want %q", tc.value, got, tc.name)
		}
	}
	for c, want := range map[Code]string{-999: "Code(-999)", 1: "Code(1)", -126: "Code(-126)"} {
		if got := c.String(); got != want {
			t.Errorf("Code(%d).String() = %q, want %q", int32(c), got, want)
		}
	}
}

func TestCodeFromName_RoundTrip(t *testing.T) {
	for _, tc := range allCodes {
		c, ok := CodeFromName(tc.code.String())
		if !ok || c != tc.code {
			t.Errorf("CodeFromName(%q) = %v, %v; want %v", tc.name, c, ok, tc.code)
		}
	}
	for _, c := range []Code{-999, -126, 7} {
		got, ok := CodeFromName(c.String())
		if !ok || got != c {
			t.Errorf("CodeFromName(%q) = %v, %v; want %v", c.String(), got, ok, c)
		}
	}
}

func TestCodeFromName_Cases(t *testing.T) {
	for _, tc := range []struct {
		name string
		code Code
		ok   bool
	}{
		{"NONODE", CodeNoNode, true}, // the Java enum constant
		{"nonode", CodeNoNode, true},
		{"SESSIONCLOSEDREQUIRESASLAUTH", CodeSessionClosedRequireSaslAuth, true},
		{"OK", CodeOK, true},
		{"Code(-101)", CodeNoNode, true},
		{"", 0, false},
		{"NoSuchCode", 0, false},
		{"No Node", 0, false},
		{"Code(", 0, false},
		{"Code(x)", 0, false},
		{"Code(99999999999)", 0, false},
		{"-101", 0, false},
	} {
		c, ok := CodeFromName(tc.name)
		if ok != tc.ok || c != tc.code {
			t.Errorf("CodeFromName(%q) = %v, %v; want %v, %v", tc.name, c, ok, tc.code, tc.ok)
		}
	}
}

func TestError_Error(t *testing.T) {
	for _, tc := range allCodes {
		want := "KeeperErrorCode = " + tc.msg + " for /a/b"
		if got := NewError(tc.code, "/a/b").Error(); got != want {
			t.Errorf("%s: Error() = %q, want %q", tc.name, got, want)
		}
	}
	for _, tc := range []struct {
		err  *Error
		want string
	}{
		{&Error{Code: CodeNoNode}, "KeeperErrorCode = NoNode"},
		{NewError(CodeNotEmpty, "/a"), "KeeperErrorCode = Directory not empty for /a"},
		{Errorf(CodeBadArguments, "/a/", "Path must not end with %s character", "/"),
			"KeeperErrorCode = BadArguments for /a/: Path must not end with / character"},
		{Errorf(CodeInvalidACL, "", "empty ACL"), "KeeperErrorCode = InvalidACL: empty ACL"},
		{NewError(-999, "/x"), "KeeperErrorCode = Unknown error Code(-999) for /x"},
		{nil, "<nil>"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

func TestErrorf_SetsFields(t *testing.T) {
	e := Errorf(CodeNoAuth, "/p", "need %v", PermAdmin)
	if e.Code != CodeNoAuth || e.Path != "/p" || e.Msg != "need a" {
		t.Fatalf("Errorf = %+v", e)
	}
}

func TestError_Is(t *testing.T) {
	err := fmt.Errorf("deleting: %w", NewError(CodeNoNode, "/a/b"))
	if !errors.Is(err, ErrNoNode) {
		t.Error("errors.Is(wrapped NoNode, ErrNoNode) = false")
	}
	if !errors.Is(err, NewError(CodeNoNode, "/other")) {
		t.Error("errors.Is ignores the path: want true")
	}
	if errors.Is(err, ErrNodeExists) {
		t.Error("errors.Is(NoNode, ErrNodeExists) = true")
	}
	if errors.Is(err, io.EOF) {
		t.Error("errors.Is(NoNode, io.EOF) = true")
	}
	var nilErr *Error
	if ErrNoNode.Is(nilErr) || nilErr.Is(ErrNoNode) {
		t.Error("Is with a nil *Error = true")
	}
}

func TestCodeOf(t *testing.T) {
	var nilErr *Error
	for _, tc := range []struct {
		name string
		err  error
		want Code
	}{
		{"nil", nil, CodeOK},
		{"sentinel", ErrBadVersion, CodeBadVersion},
		{"with path", NewError(CodeNodeExists, "/a"), CodeNodeExists},
		{"wrapped", fmt.Errorf("x: %w", fmt.Errorf("y: %w", ErrNotEmpty)), CodeNotEmpty},
		{"joined", errors.Join(io.EOF, ErrNoAuth), CodeNoAuth},
		{"plain", io.EOF, CodeSystemError},
		{"typed nil", nilErr, CodeSystemError},
	} {
		if got := CodeOf(tc.err); got != tc.want {
			t.Errorf("%s: CodeOf = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSentinels_OnlyCode(t *testing.T) {
	for _, tc := range []struct {
		err  *Error
		want Code
	}{
		{ErrNoNode, CodeNoNode},
		{ErrNodeExists, CodeNodeExists},
		{ErrBadVersion, CodeBadVersion},
		{ErrNotEmpty, CodeNotEmpty},
		{ErrNoAuth, CodeNoAuth},
		{ErrBadArguments, CodeBadArguments},
		{ErrNoChildrenForEphemerals, CodeNoChildrenForEphemerals},
		{ErrInvalidACL, CodeInvalidACL},
		{ErrAuthFailed, CodeAuthFailed},
		{ErrSessionExpired, CodeSessionExpired},
		{ErrUnimplemented, CodeUnimplemented},
		{ErrRuntimeInconsistency, CodeRuntimeInconsistency},
		{ErrSystemError, CodeSystemError},
		{ErrNoWatcher, CodeNoWatcher},
		{ErrMarshallingError, CodeMarshallingError},
		{ErrUnknownSession, CodeUnknownSession},
		{ErrSessionMoved, CodeSessionMoved},
		{ErrQuotaExceeded, CodeQuotaExceeded},
		{ErrReconfigDisabled, CodeReconfigDisabled},
	} {
		if *tc.err != (Error{Code: tc.want}) {
			t.Errorf("sentinel for %v = %+v, want only Code set", tc.want, *tc.err)
		}
	}
}
