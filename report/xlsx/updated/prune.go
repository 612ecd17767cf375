package updated

import "bytes"

// pruneNamespaces drops the namespace declarations of a part's root
// element whose prefixes the part never uses. excelize declares some
// forty on every part it writes; gnumeric warns about several.
// A prefix is used where it names an element or attribute (after "<",
// "</" or white space), or where a markup-compatibility attribute lists
// it. Only the prefixes the root declares are looked for, with byte
// searches: a regular expression listing every prefixed name of a sheet
// cost more than the rest of writing it.
func pruneNamespaces(b []byte) []byte {
	start := bytes.IndexByte(b, '<')
	for start >= 0 && start+1 < len(b) && (b[start+1] == '?' || b[start+1] == '!') {
		next := bytes.IndexByte(b[start+1:], '<')
		if next < 0 {
			return b
		}
		start += 1 + next
	}
	if start < 0 {
		return b
	}
	end := tagEnd(b, start)
	root, body := b[start:end], b[end:]
	decls := nsDecls(root)
	if len(decls) == 0 {
		return b
	}
	used := make(map[string]bool, len(decls))
	for _, d := range decls {
		used[string(root[d[2]:d[3]])] = false
	}
	if _, ok := used["xml"]; ok {
		used["xml"] = true
	}
	markPrefixes(body, used)
	markPrefixes(withoutDecls(root, decls), used)
	markIgnored(b, used)
	pruned := make([]byte, 0, len(b))
	pruned = append(pruned, b[:start]...)
	last := 0
	for _, d := range decls {
		if !used[string(root[d[2]:d[3]])] {
			pruned = append(pruned, root[last:d[0]]...)
			last = d[1]
		}
	}
	pruned = append(pruned, root[last:]...)
	return append(pruned, body...)
}

// nsDecls finds a root tag's namespace declarations, each with the white
// space before it, as {start, end, prefix start, prefix end}: what the
// regular expression \s+xmlns:([A-Za-z_][\w.-]*)="[^"]*" matches, by
// byte search. Run over every part's root, the expression was a tenth of
// writing a small workbook.
func nsDecls(root []byte) [][4]int {
	var out [][4]int
	for i := 0; i < len(root); {
		if !regexpSpace(root[i]) {
			i++
			continue
		}
		j := i
		for j < len(root) && regexpSpace(root[j]) {
			j++
		}
		if end, ps, pe, ok := nsDeclAt(root, j); ok {
			out = append(out, [4]int{i, end, ps, pe})
			i = end
		} else {
			i = j
		}
	}
	return out
}

// nsDeclAt reads xmlns:prefix="…" at b[j:].
func nsDeclAt(b []byte, j int) (end, ps, pe int, ok bool) {
	const xmlns = "xmlns:"
	if !bytes.HasPrefix(b[j:], []byte(xmlns)) {
		return 0, 0, 0, false
	}
	ps = j + len(xmlns)
	k := ps
	if k >= len(b) || !(b[k] == '_' || b[k] >= 'A' && b[k] <= 'Z' || b[k] >= 'a' && b[k] <= 'z') {
		return 0, 0, 0, false
	}
	for k++; k < len(b) && (wordChar(b[k]) || b[k] == '.' || b[k] == '-'); k++ {
	}
	pe = k
	if k+1 >= len(b) || b[k] != '=' || b[k+1] != '"' {
		return 0, 0, 0, false
	}
	q := bytes.IndexByte(b[k+2:], '"')
	if q < 0 {
		return 0, 0, 0, false
	}
	return k + 2 + q + 1, ps, pe, true
}

// withoutDecls is root without the declarations decls found in it.
func withoutDecls(root []byte, decls [][4]int) []byte {
	out := make([]byte, 0, len(root))
	last := 0
	for _, d := range decls {
		out = append(out, root[last:d[0]]...)
		last = d[1]
	}
	return append(out, root[last:]...)
}

// regexpSpace is what \s matches in Go's regular expressions.
func regexpSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

// markPrefixes sets used[p] for each prefix p in used that names an
// element or attribute in b: p directly after "<", "</" or white space,
// followed by ":" and a letter or "_".
func markPrefixes(b []byte, used map[string]bool) {
	for i := 0; ; {
		k := bytes.IndexByte(b[i:], ':')
		if k < 0 {
			return
		}
		colon := i + k
		i = colon + 1
		if colon+1 >= len(b) || !nameStart(b[colon+1]) {
			continue
		}
		s := colon
		for s > 0 && nameChar(b[s-1]) {
			s--
		}
		if s == colon || s == 0 || !nameStart(b[s]) {
			continue
		}
		switch c := b[s-1]; {
		case c == '<', c == ' ', c == '\t', c == '\n', c == '\r', c == '\f':
		case c == '/' && s >= 2 && b[s-2] == '<':
		default:
			continue
		}
		p := b[s:colon]
		if u, declared := used[string(p)]; declared && !u {
			used[string(p)] = true
		}
	}
}

// ignorable are the markup-compatibility attributes whose values list
// prefixes.
var ignorable = [][]byte{
	[]byte(`Ignorable="`), []byte(`Requires="`), []byte(`ProcessContent="`),
	[]byte(`PreserveElements="`), []byte(`PreserveAttributes="`), []byte(`MustUnderstand="`),
}

// markIgnored sets used[p] for each prefix a markup-compatibility
// attribute lists (as "p" or "p:name").
func markIgnored(b []byte, used map[string]bool) {
	for _, attr := range ignorable {
		for i := 0; ; {
			k := bytes.Index(b[i:], attr)
			if k < 0 {
				break
			}
			at := i + k
			i = at + len(attr)
			if at > 0 && wordChar(b[at-1]) {
				continue
			}
			q := bytes.IndexByte(b[i:], '"')
			if q < 0 {
				break
			}
			for _, p := range bytes.Fields(b[i : i+q]) {
				p, _, _ = bytes.Cut(p, []byte(":"))
				if _, declared := used[string(p)]; declared {
					used[string(p)] = true
				}
			}
			i += q + 1
		}
	}
}

func wordChar(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

func nameStart(c byte) bool { return c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }

func nameChar(c byte) bool { return wordChar(c) || c == '.' || c == '-' }
