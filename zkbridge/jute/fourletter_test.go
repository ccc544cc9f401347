package jute

import (
	"errors"
	"slices"
	"testing"
)

func TestFourLetterWord(t *testing.T) {
	words := []string{"ruok", "srvr", "stat", "mntr", "conf", "cons", "crst", "dirs", "dump", "envi", "gtmk", "isro", "srst", "stmk", "wchc", "wchp", "wchs", "hash"}
	for _, w := range words {
		got, ok := FourLetterWord([]byte(w + "\n"))
		if !ok || got != w {
			t.Errorf("FourLetterWord(%q) = %q, %v", w, got, ok)
		}
		// Read as a frame length, a word is always too large.
		var p [4]byte
		copy(p[:], w)
		if _, err := FrameLength(p, DefaultMaxBuffer); !errors.Is(err, ErrFrameTooLarge) {
			t.Errorf("FrameLength(%q) = %v", w, err)
		}
	}
	if got := FourLetterWords(); len(got) != len(words) || !slices.IsSorted(got) {
		t.Errorf("FourLetterWords() = %q: want the %d words above, sorted", got, len(words))
	}
	for _, in := range [][]byte{
		{0, 0, 0, 44}, {0, 0, 0, 45}, // ConnectRequest length prefixes
		[]byte("RUOK"), []byte("kill"), []byte("reqs"), []byte("ruo"), nil, []byte("xruok"),
	} {
		if w, ok := FourLetterWord(in); ok {
			t.Errorf("FourLetterWord(%q) = %q, true", in, w)
		}
	}
}
