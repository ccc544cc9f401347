package jute

// fourLetterWords are ZooKeeper's four-letter words (FourLetterCommands):
// commands sent as the first 4 bytes of a connection instead of a
// ConnectRequest's length prefix.
var fourLetterWords = map[string]string{
	"conf": "conf", "cons": "cons", "crst": "crst", "dirs": "dirs",
	"dump": "dump", "envi": "envi", "gtmk": "gtmk", "hash": "hash",
	"isro": "isro", "mntr": "mntr", "ruok": "ruok", "srst": "srst",
	"srvr": "srvr", "stat": "stat", "stmk": "stmk", "wchc": "wchc",
	"wchp": "wchp", "wchs": "wchs",
}

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
	w, ok := fourLetterWords[string(prefix[:4])]
	return w, ok
}
