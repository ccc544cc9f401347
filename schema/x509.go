package schema

import (
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// SchemeX509 is the scheme of the identity a client certificate gives a
// session: the certificate's subject as X509ID writes it.
const SchemeX509 = schemeX509

// x509Keywords are the attribute types Java's X500Principal.getName()
// (RFC 2253 form) writes by name; every other type is written as its
// dotted OID with the value's DER encoding in hex ("1.2.3=#0c0161").
var x509Keywords = map[string]string{
	"2.5.4.3":                    "CN",
	"2.5.4.6":                    "C",
	"2.5.4.7":                    "L",
	"2.5.4.8":                    "ST",
	"2.5.4.9":                    "STREET",
	"2.5.4.10":                   "O",
	"2.5.4.11":                   "OU",
	"0.9.2342.19200300.100.1.25": "DC",
	"0.9.2342.19200300.100.1.1":  "UID",
}

type x509AVA struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue
}

// X509ID returns the x509 identity of a certificate whose DER subject is
// rawSubject (x509.Certificate.RawSubject), as ZooKeeper's
// X509AuthenticationProvider names a client: its subject's
// X500Principal.getName(), the RFC 2253 string, most specific RDN first,
// "CN=client,OU=ops,O=Example,C=DE". Values of the named types that are
// strings (UTF8String, PrintableString, IA5String, T61String, BMPString,
// UniversalString) are written with the characters ,=+<>#;"\ escaped by a
// backslash, as Java escapes them, a leading or trailing space escaped
// too, and control characters as \XX; other values are #hex of their DER.
func X509ID(rawSubject []byte) (string, error) {
	var seq []asn1.RawValue
	if rest, err := asn1.Unmarshal(rawSubject, &seq); err != nil || len(rest) > 0 {
		return "", fmt.Errorf("x509 subject is not a DER name: %v", err)
	}
	rdns := make([]string, 0, len(seq))
	for i := len(seq) - 1; i >= 0; i-- {
		var set []x509AVA
		if rest, err := asn1.UnmarshalWithParams(seq[i].FullBytes, &set, "set"); err != nil || len(rest) > 0 {
			return "", fmt.Errorf("x509 subject RDN %d does not parse: %v", i, err)
		}
		avas := make([]string, 0, len(set))
		for _, a := range set {
			avas = append(avas, x509AVAString(a))
		}
		rdns = append(rdns, strings.Join(avas, "+"))
	}
	return strings.Join(rdns, ","), nil
}

func x509AVAString(a x509AVA) string {
	oid := a.Type.String()
	kw, named := x509Keywords[oid]
	if named {
		if s, ok := derString(a.Value); ok {
			return kw + "=" + escapeRFC2253(s)
		}
		return kw + "=#" + hex.EncodeToString(a.Value.FullBytes)
	}
	return oid + "=#" + hex.EncodeToString(a.Value.FullBytes)
}

// derString decodes the ASN.1 string types a name holds.
func derString(v asn1.RawValue) (string, bool) {
	if v.Class != asn1.ClassUniversal {
		return "", false
	}
	b := v.Bytes
	switch v.Tag {
	case asn1.TagUTF8String:
		if !utf8.Valid(b) {
			return "", false
		}
		return string(b), true
	case asn1.TagPrintableString, asn1.TagIA5String:
		return string(b), true
	case asn1.TagT61String: // read as ISO 8859-1, as Java does
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		return string(r), true
	case asn1.TagBMPString:
		if len(b)%2 != 0 {
			return "", false
		}
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		}
		return string(utf16.Decode(u)), true
	case 28: // UniversalString
		if len(b)%4 != 0 {
			return "", false
		}
		r := make([]rune, len(b)/4)
		for i := range r {
			r[i] = rune(uint32(b[4*i])<<24 | uint32(b[4*i+1])<<16 | uint32(b[4*i+2])<<8 | uint32(b[4*i+3]))
		}
		return string(r), true
	}
	return "", false
}

// escapeRFC2253 escapes a value as Java's AVA.toRFC2253String does.
func escapeRFC2253(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case strings.ContainsRune(`,=+<>#;"\`, r):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == ' ' && (i == 0 || i == len(rs)-1):
			b.WriteString(`\ `)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\%02X`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// x500Keywords are the attribute type names Java's X500Principal(String)
// accepts (RFC 1779 and 2253 forms, case-insensitive).
var x500Keywords = map[string]bool{
	"CN": true, "C": true, "L": true, "S": true, "ST": true, "O": true, "OU": true, "T": true,
	"IP": true, "STREET": true, "DC": true, "DNQUALIFIER": true, "DNQ": true, "SURNAME": true,
	"GIVENNAME": true, "INITIALS": true, "GENERATION": true, "EMAIL": true, "EMAILADDRESS": true,
	"UID": true, "SERIALNUMBER": true,
}

// validX500Name is X509AuthenticationProvider.isValid: new
// X500Principal(id) does not throw. It accepts what that constructor
// accepts in practice: "" (the empty name), and RDNs separated by ',' or
// ';', each one or more type=value joined by '+', the type a keyword of
// x500Keywords or a dotted OID (with or without "OID."), the value a
// "quoted string", #hex, or text whose backslashes escape a special
// character or two hex digits. It is a close reading of Java's parser,
// not a copy: exotic forms may differ.
func validX500Name(id string) bool {
	if strings.TrimSpace(id) == "" {
		return true
	}
	i := 0
	for {
		// One AVA.
		for i < len(id) && id[i] == ' ' {
			i++
		}
		eq := strings.IndexByte(id[i:], '=')
		if eq < 0 {
			return false
		}
		typ := strings.TrimSpace(id[i : i+eq])
		if !validX500Type(typ) {
			return false
		}
		i += eq + 1
		for i < len(id) && id[i] == ' ' {
			i++
		}
		n, ok := x500Value(id[i:])
		if !ok {
			return false
		}
		i += n
		for i < len(id) && id[i] == ' ' {
			i++
		}
		if i == len(id) {
			return true
		}
		switch id[i] {
		case ',', ';', '+':
			i++
		default:
			return false
		}
	}
}

func validX500Type(t string) bool {
	if x500Keywords[strings.ToUpper(t)] {
		return true
	}
	if len(t) > 4 && strings.EqualFold(t[:4], "OID.") {
		t = t[4:]
	}
	parts := strings.Split(t, ".")
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}

// x500Value reads one attribute value at the start of s and returns its
// length.
func x500Value(s string) (int, bool) {
	if s == "" {
		return 0, true // an empty value
	}
	switch s[0] {
	case '"':
		for i := 1; i < len(s); i++ {
			switch s[i] {
			case '\\':
				i++
			case '"':
				return i + 1, true
			}
		}
		return 0, false
	case '#':
		i := 1
		for i < len(s) && strings.IndexByte("0123456789abcdefABCDEF", s[i]) >= 0 {
			i++
		}
		return i, i > 1 && (i-1)%2 == 0
	}
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 >= len(s) {
				return 0, false
			}
			if strings.IndexByte(`,=+<>#;"\ `, s[i+1]) >= 0 {
				i += 2
				continue
			}
			if i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
				i += 3
				continue
			}
			return 0, false
		case c == ',' || c == ';' || c == '+':
			return i, true
		case c == '"' || c == '<' || c == '>':
			return 0, false
		}
		i++
	}
	return i, true
}

func isHex(c byte) bool { return strings.IndexByte("0123456789abcdefABCDEF", c) >= 0 }
