package xlsx

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"unicode/utf8"
)

// A part's XML reaches its reader (sheetReader, sstReader) as tokens, by
// one of two paths that give the same tokens: a scanner over the inflated
// bytes, which knows only the plain grammar of sheet XML and is several
// times faster, and encoding/xml, which reads everything else. The
// scanner hands over to encoding/xml, at the token where it stopped, on
// anything it is not sure of (a DOCTYPE, CDATA, an unknown entity, a
// control character, broken UTF-8, an odd declaration, an error of the
// reader), so whatever the bytes, the readers see what encoding/xml
// gives them, errors included.

// tokenSink is a part's reader: it is given each element's local name
// (prefixes dropped, as strict OOXML and some writers use them), its
// attributes, and text decoded. A self-closing element is a start and
// an end. The slices are only valid during the call.
type tokenSink interface {
	start(local []byte, attrs []rawAttr) error
	end(local []byte) error
	text(data []byte) error
}

// rawAttr is an attribute by its local name and its decoded value.
type rawAttr struct{ local, value []byte }

// attrValue is the value of the first attribute with that local name, as
// the encoding/xml path's attr reads it; nil where there is none.
func attrValue(as []rawAttr, local string) []byte {
	for _, a := range as {
		if string(a.local) == local {
			return a.value
		}
	}
	return nil
}

// stdXMLOnly makes every part go through encoding/xml: the oracle the
// scanner is tested against.
var stdXMLOnly = false

// Sizes of the scanner's buffer: a token longer than scanMaxToken (a text
// of megabytes) is left to encoding/xml. Variables so that tests can make
// them small.
var (
	scanBufSize  = 64 << 10
	scanMaxToken = 4 << 20
)

// errHandOver is the scanner's way of saying the rest of the part is
// encoding/xml's to read; it never leaves this file.
var errHandOver = errors.New("xlsx: hand the part over to encoding/xml")

// tokens feeds a part's tokens to sink: by the scanner as far as it can
// go, then by encoding/xml from where the scanner stopped.
func tokens(r io.Reader, sink tokenSink) error {
	if stdXMLOnly {
		return decodeTokens(decoder(r), sink, 0)
	}
	sc := &scanner{r: r, buf: make([]byte, scanBufSize)}
	err := sc.run(sink)
	if err != errHandOver {
		return err
	}
	lines := sc.lines + bytes.Count(sc.buf[:sc.pos], []byte{'\n'})
	rest := []io.Reader{bytes.NewReader(sc.buf[sc.pos:sc.end])}
	switch sc.rerr {
	case nil:
		rest = append(rest, r)
	case io.EOF:
	default:
		rest = append(rest, errReader{sc.rerr})
	}
	return decodeTokens(decoder(io.MultiReader(rest...)), sink, lines)
}

// errReader gives encoding/xml the reader's error where the scanner met
// it, after the bytes that came before it.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// decodeTokens feeds sink by encoding/xml. lines are the newlines the
// scanner read before handing over, so that a syntax error names the
// line it would have named reading the part whole.
func decodeTokens(d *xml.Decoder, sink tokenSink, lines int) error {
	var as []rawAttr
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if se, ok := err.(*xml.SyntaxError); ok {
				se.Line += lines
			}
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			as = as[:0]
			for _, a := range t.Attr {
				as = append(as, rawAttr{[]byte(a.Name.Local), []byte(a.Value)})
			}
			err = sink.start([]byte(t.Name.Local), as)
		case xml.EndElement:
			err = sink.end([]byte(t.Name.Local))
		case xml.CharData:
			err = sink.text(t)
		}
		if err != nil {
			return err
		}
	}
}

// scanner reads a part from a buffer it refills, a token at a time.
type scanner struct {
	r        io.Reader
	buf      []byte
	pos, end int   // the bytes of buf not yet read
	rerr     error // what the reader last returned, io.EOF at the end
	lines    int   // newlines in the bytes dropped from buf
	attrs    []rawAttr
	scratch  []byte
}

// run reads tokens until the end of the part, an error of sink, or
// errHandOver with pos at the token encoding/xml is to read first.
func (sc *scanner) run(sink tokenSink) error {
	for {
		if sc.pos == sc.end {
			if sc.rerr == io.EOF {
				return nil
			}
			if sc.rerr != nil || !sc.fill() {
				return errHandOver
			}
			continue
		}
		var n int
		var err error
		if sc.buf[sc.pos] == '<' {
			n, err = sc.markup(sink)
		} else {
			n, err = sc.chars(sink)
		}
		if err != nil {
			return err
		}
		if n < 0 { // the token goes on past the bytes at hand
			if sc.rerr != nil || !sc.fill() {
				return errHandOver
			}
			continue
		}
		sc.pos += n
	}
}

// fill reads more bytes after those at hand, moving them to the front of
// buf or growing it. It is false where the token at hand is too long.
func (sc *scanner) fill() bool {
	if sc.pos > 0 {
		sc.lines += bytes.Count(sc.buf[:sc.pos], []byte{'\n'})
		sc.end = copy(sc.buf, sc.buf[sc.pos:sc.end])
		sc.pos = 0
	}
	if sc.end == len(sc.buf) {
		if len(sc.buf) >= scanMaxToken {
			return false
		}
		grown := make([]byte, 2*len(sc.buf))
		copy(grown, sc.buf[:sc.end])
		sc.buf = grown
	}
	for {
		n, err := sc.r.Read(sc.buf[sc.end:])
		sc.end += n
		if err != nil {
			sc.rerr = err
			return true
		}
		if n > 0 {
			return true
		}
	}
}

// chars reads the text up to the next '<', which encoding/xml gives as
// one CharData. n < 0 asks for more bytes.
func (sc *scanner) chars(sink tokenSink) (int, error) {
	s := sc.buf[sc.pos:sc.end]
	i := bytes.IndexByte(s, '<')
	if i < 0 {
		if sc.rerr != io.EOF {
			return -1, nil
		}
		i = len(s)
	}
	data, ok := sc.decode(s[:i], false, sc.scratch[:0])
	if !ok {
		return 0, errHandOver
	}
	if len(data) > 0 && &data[0] != &s[0] {
		sc.scratch = data[:0]
	}
	return i, sink.text(data)
}

// markup reads the element, end tag, comment or declaration at pos.
func (sc *scanner) markup(sink tokenSink) (int, error) {
	s := sc.buf[sc.pos:sc.end]
	if len(s) < 2 {
		return -1, nil
	}
	switch s[1] {
	case '/':
		i, local, st := scanName(s, 2)
		if st != nameOK {
			return st.n(), st.err()
		}
		i = skipSpace(s, i)
		if i >= len(s) {
			return -1, nil
		}
		if s[i] != '>' {
			return 0, errHandOver
		}
		return i + 1, sink.end(local)
	case '?':
		return declaration(s)
	case '!':
		return comment(s)
	}
	return sc.element(s, sink)
}

// element reads a start tag, and its end where it closes itself.
func (sc *scanner) element(s []byte, sink tokenSink) (int, error) {
	i, local, st := scanName(s, 1)
	if st != nameOK {
		return st.n(), st.err()
	}
	as := sc.attrs[:0]
	for {
		i = skipSpace(s, i)
		if i >= len(s) {
			return -1, nil
		}
		switch s[i] {
		case '>':
			sc.attrs = as
			return i + 1, sink.start(local, as)
		case '/':
			if i+1 >= len(s) {
				return -1, nil
			}
			if s[i+1] != '>' {
				return 0, errHandOver
			}
			sc.attrs = as
			if err := sink.start(local, as); err != nil {
				return 0, err
			}
			return i + 2, sink.end(local)
		}
		var name []byte
		if i, name, st = scanName(s, i); st != nameOK {
			return st.n(), st.err()
		}
		if i = skipSpace(s, i); i >= len(s) {
			return -1, nil
		}
		if s[i] != '=' {
			return 0, errHandOver // a bare attribute: encoding/xml's lenient rule
		}
		if i = skipSpace(s, i+1); i >= len(s) {
			return -1, nil
		}
		q := s[i]
		if q != '"' && q != '\'' {
			return 0, errHandOver
		}
		j := bytes.IndexByte(s[i+1:], q)
		if j < 0 {
			return -1, nil
		}
		value, ok := sc.decode(s[i+1:i+1+j], true, nil)
		if !ok {
			return 0, errHandOver
		}
		as = append(as, rawAttr{name, value})
		i += j + 2
	}
}

// nameState says how reading a name went: read, cut short by the end of
// the bytes at hand, or not a name the scanner is sure of.
type nameState int

const (
	nameOK nameState = iota
	nameShort
	nameOdd
)

func (st nameState) n() int {
	if st == nameShort {
		return -1
	}
	return 0
}

func (st nameState) err() error {
	if st == nameOdd {
		return errHandOver
	}
	return nil
}

// nameBytes are the bytes of an ASCII name after its first.
var nameBytes = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-'
	}
	return t
}()

func nameStart(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' || c == '_' }

// scanName reads a name at s[i]: ASCII, with at most one prefix
// ("x:c"), and returns its local part. Other names (non-ASCII ones, two
// colons) are left to encoding/xml.
func scanName(s []byte, i int) (int, []byte, nameState) {
	if i >= len(s) {
		return 0, nil, nameShort
	}
	if !nameStart(s[i]) {
		return 0, nil, nameOdd
	}
	local, prefixed := i, false
	for i++; ; i++ {
		if i >= len(s) {
			return 0, nil, nameShort
		}
		c := s[i]
		switch {
		case nameBytes[c]:
		case c == ':':
			if prefixed {
				return 0, nil, nameOdd
			}
			if i+1 >= len(s) {
				return 0, nil, nameShort
			}
			if !nameStart(s[i+1]) {
				return 0, nil, nameOdd
			}
			local, prefixed = i+1, true
			i++
		case c >= utf8.RuneSelf:
			return 0, nil, nameOdd
		default:
			return i, s[local:i], nameOK
		}
	}
}

// skipSpace skips what encoding/xml takes for space between the parts
// of a tag.
func skipSpace(s []byte, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r') {
		i++
	}
	return i
}

// declaration reads <?xml ...?> where encoding/xml would read it without
// complaint: version 1.0 (or none), encoding UTF-8 (or none).
func declaration(s []byte) (int, error) {
	if len(s) < 6 {
		return -1, nil
	}
	if string(s[2:5]) != "xml" || !(s[5] == '?' || s[5] == ' ' || s[5] == '\t' || s[5] == '\n' || s[5] == '\r') {
		return 0, errHandOver
	}
	i := skipSpace(s, 5)
	j := bytes.Index(s[i:], []byte("?>"))
	if j < 0 {
		return -1, nil
	}
	content := string(s[i : i+j])
	ver, enc := procInst("version", content), procInst("encoding", content)
	if ver != "" && ver != "1.0" || enc != "" && !strings.EqualFold(enc, "utf-8") {
		return 0, errHandOver
	}
	return i + j + 2, nil
}

// comment reads <!-- ... -->; encoding/xml ends a comment at its first
// "--", which must be followed by '>'. <![CDATA[ and <!DOCTYPE are left
// to encoding/xml.
func comment(s []byte) (int, error) {
	if len(s) < 4 {
		return -1, nil
	}
	if string(s[:4]) != "<!--" {
		return 0, errHandOver
	}
	j := bytes.Index(s[4:], []byte("--"))
	if j < 0 || 4+j+2 >= len(s) {
		return -1, nil
	}
	if s[4+j+2] != '>' {
		return 0, errHandOver
	}
	return 4 + j + 3, nil
}

// procInst is encoding/xml's own reading of a parameter of <?xml ...?>,
// copied so that the scanner accepts exactly the declarations it does.
func procInst(param, s string) string {
	param = param + "="
	lenp := len(param)
	i := 0
	var sep byte
	for i < len(s) {
		sub := s[i:]
		k := strings.Index(sub, param)
		if k < 0 || lenp+k >= len(sub) {
			return ""
		}
		i += lenp + k + 1
		if c := sub[lenp+k]; c == '\'' || c == '"' {
			sep = c
			break
		}
	}
	if sep == 0 {
		return ""
	}
	j := strings.IndexByte(s[i:], sep)
	if j < 0 {
		return ""
	}
	return s[i : i+j]
}

// textSpecial marks the ASCII bytes text cannot simply be copied with:
// control characters (which encoding/xml refuses), '&' and '\r' (which
// it rewrites), '<' and '>' (which end or may break text).
var textSpecial = func() (t [utf8.RuneSelf]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = c != '\t' && c != '\n'
	}
	t['&'], t['<'], t['>'] = true, true, true
	return t
}()

// decode is text (quoted: an attribute's value) as encoding/xml gives it:
// s itself where it holds nothing to rewrite, else rewritten into dst.
// ok is false where encoding/xml would refuse the text or keep something
// in it as it stands (an unknown entity, in its lenient mode).
func (sc *scanner) decode(s []byte, quoted bool, dst []byte) ([]byte, bool) {
	plain, ascii := true, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			ascii = false
			continue
		}
		if !textSpecial[c] {
			continue
		}
		switch c {
		case '&', '\r':
			plain = false
		case '>':
			// "]]>" is an error in text, though not in a quoted value.
			if !quoted && i >= 2 && s[i-1] == ']' && s[i-2] == ']' {
				return nil, false
			}
		default: // '<' in a quoted value, a control character
			return nil, false
		}
	}
	if !ascii && !validChars(s) {
		return nil, false
	}
	if plain {
		return s, true
	}
	return unescape(s, dst)
}

// validChars says whether s is UTF-8 of characters XML allows, given its
// ASCII bytes are: U+FFFE and U+FFFF are the two it does not.
func validChars(s []byte) bool {
	if !utf8.Valid(s) {
		return false
	}
	for i := bytes.IndexByte(s, 0xEF); i >= 0; {
		if i+2 < len(s) && s[i+1] == 0xBF && (s[i+2] == 0xBE || s[i+2] == 0xBF) {
			return false
		}
		j := bytes.IndexByte(s[i+1:], 0xEF)
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return true
}

// unescape rewrites entities and character references, and "\r\n" and
// "\r" to "\n", as encoding/xml does.
func unescape(s, dst []byte) ([]byte, bool) {
	for i := 0; i < len(s); {
		switch c := s[i]; c {
		case '\r':
			dst = append(dst, '\n')
			i++
			if i < len(s) && s[i] == '\n' {
				i++
			}
		case '&':
			r, n := entity(s[i:])
			if n == 0 {
				return nil, false
			}
			dst = utf8.AppendRune(dst, r)
			i += n
		default:
			dst = append(dst, c)
			i++
		}
	}
	return dst, true
}

// entity reads the entity or character reference at the start of s, one
// of the five XML predefines or a number that is an allowed character;
// n is 0 for anything else.
func entity(s []byte) (r rune, n int) {
	semi := bytes.IndexByte(s[:min(len(s), 12)], ';')
	if semi < 0 {
		return 0, 0
	}
	switch name := string(s[1:semi]); name {
	case "lt":
		return '<', semi + 1
	case "gt":
		return '>', semi + 1
	case "amp":
		return '&', semi + 1
	case "apos":
		return '\'', semi + 1
	case "quot":
		return '"', semi + 1
	}
	if semi < 3 || s[1] != '#' {
		return 0, 0
	}
	digits, base := s[2:semi], rune(10)
	if s[2] == 'x' {
		digits, base = s[3:semi], 16
	}
	if len(digits) == 0 || len(digits) > 8 {
		return 0, 0
	}
	for _, c := range digits {
		var d rune
		switch {
		case '0' <= c && c <= '9':
			d = rune(c - '0')
		case base == 16 && 'a' <= c|0x20 && c|0x20 <= 'f':
			d = rune(c|0x20-'a') + 10
		default:
			return 0, 0
		}
		if r = r*base + d; r > utf8.MaxRune {
			return 0, 0
		}
	}
	if !allowedChar(r) {
		return 0, 0
	}
	return r, semi + 1
}

// allowedChar is XML's Char production, as encoding/xml checks it.
func allowedChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
