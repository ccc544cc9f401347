package jute

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// parseHex parses the .hex notation of testdata/README.md: hex digits,
// with whitespace and '|' ignored and '#' comments to the end of a line.
func parseHex(s string) ([]byte, error) {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		for _, r := range line {
			switch r {
			case ' ', '\t', '\r', '|':
			default:
				b.WriteRune(r)
			}
		}
	}
	return hex.DecodeString(b.String())
}

// unhex is parseHex for test tables.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := parseHex(s)
	if err != nil {
		t.Fatalf("bad hex in test: %v", err)
	}
	return b
}

// readHex reads testdata/name.
func readHex(t testing.TB, name string) []byte {
	t.Helper()
	s, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	b, err := parseHex(string(s))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b
}

// testStat is the Stat of testdata/stat.hex.
var testStat = Stat{
	Czxid:          0x0102030405060708,
	Mzxid:          0x11,
	Ctime:          0x18b2f1a2b3c,
	Mtime:          0x18b2f1a2b3d,
	Version:        2,
	Cversion:       -1,
	Aversion:       3,
	EphemeralOwner: 0x0100002ff1600001,
	DataLength:     5,
	NumChildren:    6,
	Pzxid:          0x12,
}

// statHex is testdata/stat.hex, for building expected encodings.
const statHex = "0102030405060708 0000000000000011 0000018b2f1a2b3c 0000018b2f1a2b3d 00000002 ffffffff 00000003 0100002ff1600001 00000005 00000006 0000000000000012"

func TestStatHex_MatchesTestdata(t *testing.T) {
	if got, want := readHex(t, "stat.hex"), unhex(t, statHex); string(got) != string(want) {
		t.Fatalf("testdata/stat.hex and statHex differ")
	}
	if StatSize != 68 {
		t.Fatalf("StatSize = %d, want 68", StatSize)
	}
}
