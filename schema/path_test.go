package schema

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// pathCases are ZooKeeper 3.8's verdicts; msg is "" for a valid path and
// otherwise the IllegalArgumentException message.
var pathCases = []struct {
	path string
	msg  string
}{
	// Valid.
	{"/", ""},
	{"/a", ""},
	{"/a/b/c", ""},
	{"/this is / a valid/path", ""},
	{"/name/with.period.", ""},
	{"/...", ""},
	{"/a..", ""},
	{"/..a", ""},
	{"/.a", ""},
	{"/a./b", ""},
	{"/a/.b/c", ""},
	{"/a:b,c", ""},
	{"/zookeeper/quota", ""},
	{"/test\u0020", ""}, // first allowed character after the controls
	{"/test\u007e", ""}, // last allowed ASCII character
	{"/test\u00a0", ""}, // first allowed after U+009F
	{"/test\u00e9", ""},
	{"/日本語", ""},
	{"/test\ud7ff", ""}, // last allowed before U+D800
	{"/test\uf900", ""}, // first allowed after U+F8FF
	{"/test\uffef", ""}, // highest allowed character

	// Checks done before the scan: the message is the bare reason.
	{"", "Path length must be > 0"},
	{"a", "Path must start with / character"},
	{"a/b", "Path must start with / character"},
	{" /a", "Path must start with / character"},
	{"\xff/a", "Path must start with / character"},
	{"\U0001F600/a", "Path must start with / character"},
	{"/a/", "Path must not end with / character"},
	{"//", "Path must not end with / character"},
	{"/ends/with/slash/", "Path must not end with / character"},
	{"/\x01//", "Path must not end with / character"}, // ends-with is checked first
	{"/a\x00/", "Path must not end with / character"},

	// The scan: the first offending character wins.
	{"/test\x00", `Invalid path string "/test` + "\x00" + `" caused by null character not allowed @5`},
	{"/\x00", `Invalid path string "/` + "\x00" + `" caused by null character not allowed @1`},
	{"//a", `Invalid path string "//a" caused by empty node name specified @1`},
	{"/a//b", `Invalid path string "/a//b" caused by empty node name specified @3`},
	{"/double//slash", `Invalid path string "/double//slash" caused by empty node name specified @8`},
	{"/a//b\x01", `Invalid path string "/a//b` + "\x01" + `" caused by empty node name specified @3`},
	{"/.", `Invalid path string "/." caused by relative paths not allowed @1`},
	{"/..", `Invalid path string "/.." caused by relative paths not allowed @2`},
	{"/a/.", `Invalid path string "/a/." caused by relative paths not allowed @3`},
	{"/a/..", `Invalid path string "/a/.." caused by relative paths not allowed @4`},
	{"/single/./period", `Invalid path string "/single/./period" caused by relative paths not allowed @8`},
	{"/double/../period", `Invalid path string "/double/../period" caused by relative paths not allowed @9`},
	{"/a/./\x01", `Invalid path string "/a/./` + "\x01" + `" caused by relative paths not allowed @3`},

	// Invalid characters, bounds included (ZooKeeper 3.5+; 3.4 let the
	// bounds through).
	{"/test\x01", `Invalid path string "/test` + "\x01" + `" caused by invalid character @5`},
	{"/test\x1f", `Invalid path string "/test` + "\x1f" + `" caused by invalid character @5`},
	{"/test\t", `Invalid path string "/test` + "\t" + `" caused by invalid character @5`},
	{"/test\x7f", `Invalid path string "/test` + "\x7f" + `" caused by invalid character @5`},
	{"/test\u0080", `Invalid path string "/test` + "\u0080" + `" caused by invalid character @5`},
	{"/test\u009f", `Invalid path string "/test` + "\u009f" + `" caused by invalid character @5`},
	{"/test\ue000", `Invalid path string "/test` + "\ue000" + `" caused by invalid character @5`},
	{"/test\uf8ff", `Invalid path string "/test` + "\uf8ff" + `" caused by invalid character @5`},
	{"/test\ufff0", `Invalid path string "/test` + "\ufff0" + `" caused by invalid character @5`},
	{"/test\ufffd", `Invalid path string "/test` + "\ufffd" + `" caused by invalid character @5`},
	{"/test\uffff", `Invalid path string "/test` + "\uffff" + `" caused by invalid character @5`},
	{"/x\x01y", `Invalid path string "/x` + "\x01" + `y" caused by invalid character @2`},

	// The index counts UTF-16 code units, not bytes.
	{"/\u00e9\x01", `Invalid path string "/` + "\u00e9\x01" + `" caused by invalid character @2`},
	{"/日本\x01", `Invalid path string "/日本` + "\x01" + `" caused by invalid character @3`},
	// A supplementary rune is a surrogate pair: its high surrogate is invalid.
	{"/\U0001F600", `Invalid path string "/` + "\U0001F600" + `" caused by invalid character @1`},
	{"/ab\U00010000c", `Invalid path string "/ab` + "\U00010000" + `c" caused by invalid character @3`},
	// Invalid UTF-8 decodes to U+FFFD, an invalid character; the message
	// quotes the decoded string.
	{"/a\xffb", `Invalid path string "/a` + "\ufffd" + `b" caused by invalid character @2`},
	{"/a\xc3", `Invalid path string "/a` + "\ufffd" + `" caused by invalid character @2`},
	{"/é\xed\xa0\x80", `Invalid path string "/é` + "\ufffd\ufffd\ufffd" + `" caused by invalid character @2`},
	{"/a/\xc0\x80", `Invalid path string "/a/` + "\ufffd\ufffd" + `" caused by invalid character @3`},
}

func TestValidatePath_Table(t *testing.T) {
	for _, tc := range pathCases {
		err := ValidatePath(tc.path)
		if tc.msg == "" {
			if err != nil {
				t.Errorf("ValidatePath(%q) = %v, want nil", tc.path, err)
			}
			continue
		}
		checkBadArguments(t, err, tc.path, tc.msg)
	}
}

func checkBadArguments(t *testing.T, err error, path, msg string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Errorf("%q: error %v (%T) is not an *Error", path, err, err)
		return
	}
	if !errors.Is(err, ErrBadArguments) || e.Path != path || e.Msg != msg {
		t.Errorf("%q: got Code %v Path %q Msg %q; want BadArguments, %q, %q", path, e.Code, e.Path, e.Msg, path, msg)
	}
}

func TestValidatePath_NilIsUntyped(t *testing.T) {
	if err := ValidatePath("/a"); err != nil {
		t.Fatalf("ValidatePath(\"/a\") = %#v, want untyped nil", err)
	}
	if err := ValidateSequentialPath("/a/"); err != nil {
		t.Fatalf("ValidateSequentialPath(\"/a/\") = %#v, want untyped nil", err)
	}
}

func TestValidatePath_ErrorString(t *testing.T) {
	want := `KeeperErrorCode = BadArguments for /a//b: Invalid path string "/a//b" caused by empty node name specified @3`
	if got := ValidatePath("/a//b").Error(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestValidateSequentialPath_Table(t *testing.T) {
	for _, tc := range []struct {
		path string
		msg  string
	}{
		{"/a/", ""}, // children of /a named by the suffix alone
		{"/", ""},   // validated as "/1"
		{"/a/b-", ""},
		{"/a/.", ""},  // "/a/.1"
		{"/a/..", ""}, // "/a/..1"
		{"", "Path must start with / character"},
		{"a", "Path must start with / character"},
		{"/a//", `Invalid path string "/a//1" caused by empty node name specified @3`},
		{"//", `Invalid path string "//1" caused by empty node name specified @1`},
		{"/./", `Invalid path string "/./1" caused by relative paths not allowed @1`},
		{"/a\x01", `Invalid path string "/a` + "\x01" + `1" caused by invalid character @2`},
		{"/a\x00", `Invalid path string "/a` + "\x00" + `1" caused by null character not allowed @2`},
		{"/a\xff", `Invalid path string "/a` + "\ufffd" + `1" caused by invalid character @2`},
	} {
		err := ValidateSequentialPath(tc.path)
		if tc.msg == "" {
			if err != nil {
				t.Errorf("ValidateSequentialPath(%q) = %v, want nil", tc.path, err)
			}
			continue
		}
		checkBadArguments(t, err, tc.path, tc.msg)
	}
}

func TestParent_Table(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"/", ""},
		{"/a", "/"},
		{"/a/b", "/a"},
		{"/a/b/c", "/a/b"},
		{"/zookeeper/quota", "/zookeeper"},
		{"a", ""},
		{"", ""},
	} {
		if got := Parent(tc.path); got != tc.want {
			t.Errorf("Parent(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}

func TestBase_Table(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"/", ""},
		{"/a", "a"},
		{"/a/b", "b"},
		{"/a/b.c", "b.c"},
		{"a", "a"},
		{"", ""},
	} {
		if got := Base(tc.path); got != tc.want {
			t.Errorf("Base(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}

func TestJoin_Table(t *testing.T) {
	for _, tc := range []struct{ parent, name, want string }{
		{"/", "b", "/b"},
		{"/a", "b", "/a/b"},
		{"/a/b", "c", "/a/b/c"},
		{"/a/", "0000000001", "/a//0000000001"},
	} {
		if got := Join(tc.parent, tc.name); got != tc.want {
			t.Errorf("Join(%q, %q) = %q, want %q", tc.parent, tc.name, got, tc.want)
		}
	}
}

func TestDepth_Table(t *testing.T) {
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/", 0},
		{"", 0},
		{"/a", 1},
		{"/a/b", 2},
		{"/a/b/c", 3},
	} {
		if got := Depth(tc.path); got != tc.want {
			t.Errorf("Depth(%q) = %d, want %d", tc.path, got, tc.want)
		}
	}
}

func TestIsAncestor_Table(t *testing.T) {
	for _, tc := range []struct {
		ancestor, path string
		want           bool
	}{
		{"/", "/a", true},
		{"/", "/a/b", true},
		{"/", "/", false},
		{"/", "", false},
		{"/a", "/a/b", true},
		{"/a", "/a/b/c", true},
		{"/a/b", "/a/b/c", true},
		{"/a", "/a", false},
		{"/a", "/ab", false},
		{"/a", "/ab/c", false},
		{"/a/b", "/a", false},
		{"/a", "/", false},
		{"/b", "/a/b", false},
		{"", "/a", false},
	} {
		if got := IsAncestor(tc.ancestor, tc.path); got != tc.want {
			t.Errorf("IsAncestor(%q, %q) = %v, want %v", tc.ancestor, tc.path, got, tc.want)
		}
	}
}

func TestIsSystemPath_Table(t *testing.T) {
	for _, tc := range []struct {
		path string
		want bool
	}{
		{"/zookeeper", true},
		{"/zookeeper/quota", true},
		{"/zookeeper/config", true},
		{"/zookeeper/quota/a/zookeeper_limits", true},
		{"/", false},
		{"/zookeeperx", false},
		{"/zoo", false},
		{"/a/zookeeper", false},
	} {
		if got := IsSystemPath(tc.path); got != tc.want {
			t.Errorf("IsSystemPath(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
}

// specValid states the path rules component-wise, independently of the
// character scan ValidatePath does.
func specValid(p string) bool {
	if p == "/" {
		return true
	}
	if !strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || !utf8.ValidString(p) {
		return false
	}
	for _, comp := range strings.Split(p[1:], "/") {
		if comp == "" || comp == "." || comp == ".." {
			return false
		}
		for _, r := range comp {
			if r <= 0x1f || 0x7f <= r && r <= 0x9f || 0xd800 <= r && r <= 0xf8ff || r >= 0xfff0 {
				return false
			}
		}
	}
	return true
}

// FuzzValidatePath checks ValidatePath against the specification
// (specValid) and the path helpers against each other for valid paths.
// Seeds are pathCases, added here, and testdata/fuzz/FuzzValidatePath:
// the paths ZooKeeper 3.8 was measured with (gateway/testdata/
// zookeeper-3.8-behaviour.md, section 1), invalid UTF-8, surrogates,
// supplementary characters, very deep and very long paths.
func FuzzValidatePath(f *testing.F) {
	for _, tc := range pathCases {
		f.Add(tc.path)
	}
	for _, s := range []string{"/a/b/c/d", "/a/../b", "/a/./b", "/zookeeper", "/\u00e9/\u00e8", "/a/\U0010ffff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		err := ValidatePath(p)
		if got, want := err == nil, specValid(p); got != want {
			t.Fatalf("ValidatePath(%q) = %v; spec says valid=%v", p, err, want)
		}
		seqErr := ValidateSequentialPath(p)
		if plain := ValidatePath(p + "1"); (seqErr == nil) != (plain == nil) {
			t.Fatalf("ValidateSequentialPath(%q) = %v but ValidatePath(%q) = %v", p, seqErr, p+"1", plain)
		} else if seqErr != nil && seqErr.(*Error).Msg != plain.(*Error).Msg {
			t.Fatalf("sequential message %q != %q", seqErr.(*Error).Msg, plain.(*Error).Msg)
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeBadArguments || e.Path != p || e.Msg == "" {
				t.Fatalf("ValidatePath(%q) = %#v, want *Error BadArguments with Path and Msg", p, err)
			}
			return
		}
		if p == "/" {
			if Parent(p) != "" || Base(p) != "" || Depth(p) != 0 {
				t.Fatalf("root: Parent %q Base %q Depth %d", Parent(p), Base(p), Depth(p))
			}
			return
		}
		parent, base := Parent(p), Base(p)
		if got := Join(parent, base); got != p {
			t.Fatalf("Join(Parent(%q), Base(%q)) = %q", p, p, got)
		}
		if Depth(p) != Depth(parent)+1 {
			t.Fatalf("Depth(%q) = %d, Depth(%q) = %d", p, Depth(p), parent, Depth(parent))
		}
		if ValidatePath(parent) != nil {
			t.Fatalf("parent %q of valid %q is invalid", parent, p)
		}
		if !IsAncestor(parent, p) || !IsAncestor("/", p) || IsAncestor(p, p) || IsAncestor(p, parent) {
			t.Fatalf("IsAncestor inconsistent for %q and parent %q", p, parent)
		}
		if base == "" || base == "." || base == ".." || strings.Contains(base, "/") {
			t.Fatalf("Base(%q) = %q", p, base)
		}
		for _, comp := range strings.Split(p[1:], "/") {
			if comp == "" || comp == "." || comp == ".." {
				t.Fatalf("valid %q has component %q", p, comp)
			}
		}
		if IsSystemPath(p) != (p == "/zookeeper" || strings.HasPrefix(p, "/zookeeper/")) {
			t.Fatalf("IsSystemPath(%q) = %v", p, IsSystemPath(p))
		}
	})
}

// TestCheckClientPath_Table: the client check refuses for every request
// what ZooKeeper's Java client refuses, reads included, with its message
// (measured with zkCli.sh, see the behaviour file, "ctl verbs").
func TestCheckClientPath_Table(t *testing.T) {
	for _, tc := range []struct {
		path string
		seq  bool
		want string // "" for valid
	}{
		{"/", false, ""},
		{"/app", false, ""},
		{"app", false, "Path must start with / character"},
		{"", false, "Path length must be > 0"},
		{"", true, "Path must start with / character"},
		{"/app/../b", false, `Invalid path string "/app/../b" caused by relative paths not allowed @6`},
		{"/app/.", false, `Invalid path string "/app/." caused by relative paths not allowed @5`},
		{"/app/./c1", false, `Invalid path string "/app/./c1" caused by relative paths not allowed @5`},
		{"/app/", false, "Path must not end with / character"},
		{"/app/", true, ""},
		{"/app//c1", false, `Invalid path string "/app//c1" caused by empty node name specified @5`},
	} {
		err := CheckClientPath(tc.path, tc.seq)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("CheckClientPath(%q, %v) = %v, want nil", tc.path, tc.seq, err)
		case tc.want != "" && (err == nil || err.(*Error).Msg != tc.want || err.(*Error).Code != CodeBadArguments):
			t.Errorf("CheckClientPath(%q, %v) = %v, want BadArguments %q", tc.path, tc.seq, err, tc.want)
		}
	}
}
