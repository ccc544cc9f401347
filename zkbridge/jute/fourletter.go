package jute

import "slices"

// fourLetterWords are ZooKeeper 3.8's four-letter words
// (FourLetterCommands), sorted: commands sent as the first 4 bytes of a
// connection instead of a ConnectRequest's length prefix. This is the
// one list of them: the whitelist check of zkgate's configuration reads
// it through FourLetterWords.
var fourLetterWords = []string{
	"conf", "cons", "crst", "dirs", "dump", "envi", "gtmk", "hash", "isro",
	"mntr", "ruok", "srst", "srvr", "stat", "stmk", "wchc", "wchp", "wchs",
}

// FourLetterWords returns ZooKeeper 3.8's four-letter words, sorted: the
// words FourLetterWord recognises, and so the only ones a whitelist can
// usefully name. The slice is the caller's.
func FourLetterWords() []string { return slices.Clone(fourLetterWords) }

// FourLetterWord reports whether the first 4 bytes of a connection are
// one of ZooKeeper's four-letter words (exact, lower case) and returns
// it. It is false if prefix is shorter than 4 bytes. A ConnectRequest
// never matches: its first 4 bytes are its length (0, 0, 0, 44 or 45),
// and every word read as a length is at least 0x61000000 (1.6 GB), far
// beyond any sensible jute.maxbuffer.
func FourLetterWord(prefix []byte) (string, bool) {
	if len(prefix) < 4 {
		return "", false
	}
	if i, ok := slices.BinarySearch(fourLetterWords, string(prefix[:4])); ok {
		return fourLetterWords[i], true
	}
	return "", false
}
