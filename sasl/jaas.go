package sasl

import (
	"fmt"
	"os"
	"strings"
)

// JAAS is a parsed JAAS login configuration file, the file Java programs
// (ZooKeeper among them) name with -Djava.security.auth.login.config:
// sections by name, each a list of login modules.
//
//	Server {
//	       org.apache.zookeeper.server.auth.DigestLoginModule required
//	       user_bob="bobsecret";
//	};
type JAAS map[string][]LoginModule

// LoginModule is one entry of a JAAS section: the module's Java class, its
// control flag (required, requisite, sufficient or optional, lower case)
// and its options. Options may hold passwords: never log them.
type LoginModule struct {
	Class   string
	Flag    string
	Options map[string]string
}

// LoadJAAS reads and parses a JAAS file (see ParseJAAS).
func LoadJAAS(path string) (JAAS, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading JAAS file: %w", err)
	}
	j, err := ParseJAAS(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return j, nil
}

// ParseJAAS parses the syntax of Java's JAAS ConfigFile:
//
//	Name { Class Flag key=value ... ; ... };
//
// with // and /* */ comments, values that are words or "quoted strings"
// (with Java's backslash escapes), and words made of letters, digits,
// non-ASCII bytes and the characters $ _ - * . (as Java's tokenizer
// groups them). A section name given twice, an unknown flag, a duplicate
// option or anything else out of place is an error naming its line;
// errors never quote option values.
func ParseJAAS(text string) (JAAS, error) {
	p := &jaasParser{lx: jaasLexer{s: text, line: 1}}
	out := JAAS{}
	p.next()
	for p.tok.kind != tokEOF {
		name, mods, err := p.entry()
		if err != nil {
			return nil, err
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("JAAS line %d: section %q appears twice", p.tok.line, name)
		}
		out[name] = mods
	}
	return out, nil
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokWord
	tokQuoted
	tokPunct // { } ; =
	tokErr
)

type token struct {
	kind tokKind
	text string
	line int
}

type jaasLexer struct {
	s    string
	i    int
	line int
}

func isJAASWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80 ||
		strings.IndexByte("$_-*.", c) >= 0
}

func (l *jaasLexer) next() token {
	for l.i < len(l.s) {
		c := l.s[l.i]
		switch {
		case c == '\n':
			l.line++
			l.i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			l.i++
		case strings.HasPrefix(l.s[l.i:], "//"):
			for l.i < len(l.s) && l.s[l.i] != '\n' {
				l.i++
			}
		case strings.HasPrefix(l.s[l.i:], "/*"):
			end := strings.Index(l.s[l.i+2:], "*/")
			if end < 0 {
				return token{kind: tokErr, text: "comment not closed", line: l.line}
			}
			l.line += strings.Count(l.s[l.i:l.i+2+end], "\n")
			l.i += 2 + end + 2
		default:
			return l.lexToken()
		}
	}
	return token{kind: tokEOF, line: l.line}
}

func (l *jaasLexer) lexToken() token {
	c := l.s[l.i]
	line := l.line
	switch {
	case c == '{' || c == '}' || c == ';' || c == '=':
		l.i++
		return token{kind: tokPunct, text: string(c), line: line}
	case c == '"':
		return l.lexQuoted()
	case isJAASWordByte(c):
		start := l.i
		for l.i < len(l.s) && isJAASWordByte(l.s[l.i]) {
			l.i++
		}
		return token{kind: tokWord, text: l.s[start:l.i], line: line}
	}
	return token{kind: tokErr, text: fmt.Sprintf("unexpected character %q", c), line: line}
}

// lexQuoted reads a "..." string with java.io.StreamTokenizer's escapes:
// \b \f \n \r \t, \\ and \" (any other escaped character stands for
// itself) and octal \0 to \377. A newline ends the string, as in Java.
func (l *jaasLexer) lexQuoted() token {
	line := l.line
	l.i++ // the opening quote
	var b strings.Builder
	for l.i < len(l.s) {
		c := l.s[l.i]
		l.i++
		switch c {
		case '"':
			return token{kind: tokQuoted, text: b.String(), line: line}
		case '\n':
			return token{kind: tokErr, text: "quoted string not closed on its line", line: line}
		case '\\':
			if l.i >= len(l.s) {
				return token{kind: tokErr, text: "quoted string not closed", line: line}
			}
			e := l.s[l.i]
			l.i++
			switch e {
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					max := 2
					if e > '3' {
						max = 1
					}
					for k := 0; k < max && l.i < len(l.s) && l.s[l.i] >= '0' && l.s[l.i] <= '7'; k++ {
						v = v*8 + int(l.s[l.i]-'0')
						l.i++
					}
					b.WriteRune(rune(v))
				} else {
					b.WriteByte(e)
				}
			}
		default:
			b.WriteByte(c)
		}
	}
	return token{kind: tokErr, text: "quoted string not closed", line: line}
}

type jaasParser struct {
	lx  jaasLexer
	tok token
}

func (p *jaasParser) next() { p.tok = p.lx.next() }

func (p *jaasParser) errf(format string, args ...any) error {
	if p.tok.kind == tokErr {
		return fmt.Errorf("JAAS line %d: %s", p.tok.line, p.tok.text)
	}
	return fmt.Errorf("JAAS line %d: %s", p.tok.line, fmt.Sprintf(format, args...))
}

func (p *jaasParser) punct(s string) bool {
	if p.tok.kind == tokPunct && p.tok.text == s {
		p.next()
		return true
	}
	return false
}

// describe names the current token for an error without quoting a
// quoted string (it may be a password).
func (p *jaasParser) describe() string {
	switch p.tok.kind {
	case tokEOF:
		return "the end of the file"
	case tokQuoted:
		return "a quoted string"
	}
	return fmt.Sprintf("%q", p.tok.text)
}

func (p *jaasParser) entry() (string, []LoginModule, error) {
	if p.tok.kind != tokWord && p.tok.kind != tokQuoted {
		return "", nil, p.errf("want a section name, found %s", p.describe())
	}
	name := p.tok.text
	p.next()
	if !p.punct("{") {
		return "", nil, p.errf("want { after section %q, found %s", name, p.describe())
	}
	var mods []LoginModule
	for !p.punct("}") {
		m, err := p.module()
		if err != nil {
			return "", nil, err
		}
		mods = append(mods, m)
	}
	if !p.punct(";") {
		return "", nil, p.errf("want ; after the } of section %q, found %s", name, p.describe())
	}
	return name, mods, nil
}

func (p *jaasParser) module() (LoginModule, error) {
	if p.tok.kind != tokWord {
		return LoginModule{}, p.errf("want a login module class, found %s", p.describe())
	}
	m := LoginModule{Class: p.tok.text, Options: map[string]string{}}
	p.next()
	if p.tok.kind != tokWord {
		return LoginModule{}, p.errf("want the control flag of %s, found %s", m.Class, p.describe())
	}
	switch f := strings.ToLower(p.tok.text); f {
	case "required", "requisite", "sufficient", "optional":
		m.Flag = f
	default:
		return LoginModule{}, p.errf("control flag %q of %s is not required, requisite, sufficient or optional", p.tok.text, m.Class)
	}
	p.next()
	for !p.punct(";") {
		if p.tok.kind != tokWord {
			return LoginModule{}, p.errf("want an option name or ; in %s, found %s", m.Class, p.describe())
		}
		key := p.tok.text
		p.next()
		if !p.punct("=") {
			return LoginModule{}, p.errf("want = after option %s, found %s", key, p.describe())
		}
		if p.tok.kind != tokWord && p.tok.kind != tokQuoted {
			return LoginModule{}, p.errf("want a value for option %s, found %s", key, p.describe())
		}
		if _, dup := m.Options[key]; dup {
			return LoginModule{}, p.errf("option %s given twice in %s", key, m.Class)
		}
		m.Options[key] = p.tok.text
		p.next()
	}
	return m, nil
}
