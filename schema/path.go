package schema

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// ValidatePath checks path against ZooKeeper's path rules, as
// org.apache.zookeeper.common.PathUtils.validatePath applies them in
// ZooKeeper 3.8:
//
//   - the path is not empty ("Path length must be > 0") and starts with '/'
//     ("Path must start with / character");
//   - "/" alone is the root and valid;
//   - otherwise it does not end with '/' ("Path must not end with / character");
//   - scanning from index 1, the first offending character gives the
//     reason: U+0000 ("null character not allowed @N"), a '/' after a '/'
//     ("empty node name specified @N"), a "." or ".." component ("relative
//     paths not allowed @N", N being the index of the component's last
//     '.'), or an invalid character ("invalid character @N").
//
// Invalid characters are the UTF-16 code units U+0001–U+001F, U+007F–U+009F,
// U+D800–U+F8FF and U+FFF0–U+FFFF, bounds included. (ZooKeeper 3.4 used
// strict comparisons, so it let U+001F, U+007F, U+009F, U+D800, U+F8FF,
// U+FFF0 and U+FFFF through, and spelled the reason "invalid charater";
// later releases, 3.8 among them, reject the bounds, and so does zkgate.)
//
// Java checks UTF-16 code units and zkgate gets Go strings of UTF-8 bytes.
// A Go path is mapped to the Java string the ZooKeeper server would have
// decoded from the same bytes on the wire:
//
//   - each rune is one code unit, except runes from U+10000 up, which are a
//     surrogate pair in Java; the high surrogate (U+D800–U+DBFF) is an
//     invalid character, so every such rune is rejected;
//   - each byte that is not part of valid UTF-8 decodes to U+FFFD, itself an
//     invalid character, so invalid UTF-8 is always rejected.
//
// The index N in a message counts the UTF-16 code units before the
// offending one, as Java's does: for "/é\x01" it is 2, the byte offset
// being 3.
//
// ValidatePath returns nil if path is valid, and otherwise an *Error with
// Code CodeBadArguments (so errors.Is(err, ErrBadArguments)), Path set to
// path and Msg set to the message of the IllegalArgumentException
// ZooKeeper throws, for example
//
//	Invalid path string "/a//b" caused by empty node name specified @3
//
// or, for the checks done before the scan, only the reason ("Path must not
// end with / character"). A real ZooKeeper server only logs that message
// and answers BadArguments.
//
// As on a real ZooKeeper server, the engine validates only the paths of
// writes: a read of "/x//b" simply finds no node. ZooKeeper's client
// library checks every path before it sends a request, reads included, and
// zkgate's own clients do the same with CheckClientPath.
func ValidatePath(path string) error {
	if msg := validate(path); msg != "" {
		return &Error{Code: CodeBadArguments, Path: path, Msg: msg}
	}
	return nil
}

// ValidateSequentialPath validates the path of a sequential create. The
// server appends the sequence suffix to it, so, as
// PathUtils.validatePath(path, true) does, it validates path+"1": a
// trailing '/' is allowed ("/a/" makes children named "0000000001"), and so
// is a last component "." or ".."; even "/" passes, as "/1". Messages that
// quote the path quote it with the "1" appended, as ZooKeeper's do; the
// Error's Path is path as given.
func ValidateSequentialPath(path string) error {
	if msg := validate(path + "1"); msg != "" {
		return &Error{Code: CodeBadArguments, Path: path, Msg: msg}
	}
	return nil
}

// CheckClientPath is the one path check of zkgate's clients (ctl and the
// HTTP/JSON API), the check ZooKeeper's Java client (and so zkCli.sh) makes
// on the path of every request before sending it, reads included:
// ValidateSequentialPath for a sequential create, ValidatePath otherwise.
// So "app" is refused with "Path must start with / character", "" with
// "Path length must be > 0" (a read of "" is not the root), and "/a/../b"
// with `Invalid path string "/a/../b" caused by relative paths not
// allowed @4`, where a server would only answer NoNode to a read.
func CheckClientPath(path string, sequential bool) error {
	if sequential {
		return ValidateSequentialPath(path)
	}
	return ValidatePath(path)
}

// validate returns "" for a valid path and ZooKeeper's message otherwise.
func validate(path string) string {
	if path == "" {
		return "Path length must be > 0"
	}
	if path[0] != '/' {
		// Also right for invalid UTF-8 (U+FFFD) and for a supplementary
		// rune (a high surrogate): neither is '/'.
		return "Path must start with / character"
	}
	if len(path) == 1 {
		return ""
	}
	if path[len(path)-1] == '/' {
		return "Path must not end with / character"
	}
	u := javaChars(path)
	reason := ""
	lastc := uint16('/')
	for i := 1; i < len(u); lastc, i = u[i], i+1 {
		c := u[i]
		switch {
		case c == 0:
			reason = "null character not allowed @" + strconv.Itoa(i)
		case c == '/' && lastc == '/':
			reason = "empty node name specified @" + strconv.Itoa(i)
		case c == '.' && lastc == '.':
			// ".." component: u[i-2] exists since lastc was set by u[i-1].
			if u[i-2] == '/' && (i+1 == len(u) || u[i+1] == '/') {
				reason = "relative paths not allowed @" + strconv.Itoa(i)
			}
		case c == '.':
			if u[i-1] == '/' && (i+1 == len(u) || u[i+1] == '/') {
				reason = "relative paths not allowed @" + strconv.Itoa(i)
			}
		case invalidChar(c):
			reason = "invalid character @" + strconv.Itoa(i)
		}
		if reason != "" {
			return `Invalid path string "` + javaString(path) + `" caused by ` + reason
		}
	}
	return ""
}

// invalidChar reports whether ZooKeeper 3.8 rejects the UTF-16 code unit c
// in a path (U+0000 is reported separately).
func invalidChar(c uint16) bool {
	return c > 0x0000 && c <= 0x001f ||
		c >= 0x007f && c <= 0x009f ||
		c >= 0xd800 && c <= 0xf8ff ||
		c >= 0xfff0
}

// javaChars returns the UTF-16 code units of the Java string that decoding
// s as UTF-8 gives: runes from U+10000 become surrogate pairs and each byte
// of invalid UTF-8 becomes U+FFFD.
func javaChars(s string) []uint16 {
	u := make([]uint16, 0, len(s))
	for _, r := range s { // an invalid byte yields utf8.RuneError, width 1
		if r >= 0x10000 {
			r -= 0x10000
			u = append(u, uint16(0xd800+(r>>10)), uint16(0xdc00+(r&0x3ff)))
		} else {
			u = append(u, uint16(r))
		}
	}
	return u
}

// javaString returns s with each byte of invalid UTF-8 replaced by U+FFFD,
// approximating the Java string a ZooKeeper server decodes from the same
// bytes. (Java's decoder sometimes folds a truncated multi-byte sequence
// into a single U+FFFD; that difference is not reproduced.)
func javaString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		b.WriteRune(r)
	}
	return b.String()
}

// Parent returns the path of path's parent: "/" for "/a", "/a" for "/a/b",
// and "" for "/" (the root has no parent). It is meant for valid paths;
// for others it cuts at the last '/' and returns "" if there is none.
func Parent(path string) string {
	i := strings.LastIndexByte(path, '/')
	switch {
	case i < 0 || path == "/":
		return ""
	case i == 0:
		return "/"
	}
	return path[:i]
}

// Base returns the last component of path: "b" for "/a/b", "" for "/". It
// is meant for valid paths; for others it returns what follows the last
// '/', or path itself if it has none.
func Base(path string) string {
	return path[strings.LastIndexByte(path, '/')+1:]
}

// Join returns the path of the child name of parent: "/a/b" for "/a" and
// "b", "/b" for "/" and "b". For a valid non-root path p,
// Join(Parent(p), Base(p)) == p.
func Join(parent, name string) string {
	if parent == "/" {
		return "/" + name
	}
	return parent + "/" + name
}

// Depth returns the number of components of path: 0 for "/" (and ""),
// 1 for "/a", 2 for "/a/b". For a valid non-root path p,
// Depth(p) == Depth(Parent(p))+1.
func Depth(path string) int {
	if path == "/" {
		return 0
	}
	return strings.Count(path, "/")
}

// IsAncestor reports whether ancestor is a proper ancestor of path,
// component-wise: "/a" is an ancestor of "/a/b" and "/a/b/c" but not of
// "/ab" nor of "/a" itself; "/" is an ancestor of every other absolute path.
func IsAncestor(ancestor, path string) bool {
	switch {
	case ancestor == "" || len(path) <= len(ancestor):
		return false
	case ancestor == "/":
		return path[0] == '/'
	}
	return path[len(ancestor)] == '/' && strings.HasPrefix(path, ancestor)
}

// systemRoot is ZooKeeper's reserved subtree (quotas, config).
const systemRoot = "/zookeeper"

// IsSystemPath reports whether path is "/zookeeper" or below it, the
// subtree ZooKeeper reserves for itself (/zookeeper/quota,
// /zookeeper/config).
func IsSystemPath(path string) bool {
	return path == systemRoot || IsAncestor(systemRoot, path)
}
