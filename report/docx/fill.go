package docx

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/image/font/opentype"

	"innoreport/report"
	"innoreport/report/doc"
)

// lazyRegexp compiles expr when first used: only a build writing a Word
// document uses these, and compiling them all at start cost every command
// half a millisecond.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

var (
	rootTag   = lazyRegexp(`<w:document\b[^>]*>`)
	xmlnsAttr = lazyRegexp(`xmlns:(\w+)="([^"]*)"`)
	docPrID   = lazyRegexp(`<wp:docPr\b[^>]*\bid="(\d+)"`)
)

// fill puts the report into p's main document: after what its body
// already holds (a masthead) and before its last section properties (its
// page setup), with the styles, fonts, footer and pictures it needs.
func fill(p *pkg, d *doc.Document, ttf *opentype.Font, created time.Time) error {
	root, err := p.rels("")
	if err != nil {
		return err
	}
	main, src, err := mainPart(p, root)
	if err != nil {
		return err
	}
	ct, err := p.contentTypes()
	if err != nil {
		return err
	}
	// A .docx holding macros is one Word refuses to open.
	if strings.Contains(string(p.files["[Content_Types].xml"]), "macroEnabled") {
		return refErr("含有宏（.docm/.dotm）", "it holds macros (.docm/.dotm)")
	}
	drels, err := p.rels(main)
	if err != nil {
		return err
	}

	ids, err := mergeStyles(p, drels, ct, main)
	if err != nil {
		return err
	}
	if err := mergeFonts(p, drels, ct, main); err != nil {
		return err
	}

	at, end, sect, err := bodyEnd(src)
	if err != nil {
		return err
	}
	// Page numbers are part of a 公文: a reference without a footer gets ours.
	if !strings.Contains(sect, "footerReference") {
		sect = addFooter(p, ct, drels, main, sect, ids["footer"])
	}

	bw := &bodyWriter{d: d, ids: ids, textW: textWidth(sect), font: ttf, drawID: nextDrawID(src),
		image: func(data []byte) string {
			name := p.unused(path.Join(path.Dir(main), "media/innoreport-chart"), ".png")
			p.put(name, data)
			ct.def("png", "image/png")
			return drels.add(relImage, name)
		}}
	body, err := bw.write()
	if err != nil {
		return err
	}
	if i, j, ok := placeholder(src[:at]); ok {
		// The report where the reference marks it, before what follows
		// (a 版记 of 抄送 and 印发 lines stays last).
		src = src[:i] + body + src[j:at] + sect + src[end:]
	} else {
		src = src[:at] + body + sect + src[end:]
	}
	p.put(main, []byte(src))

	core := root.find(relCore)
	if core == "" {
		core = "docProps/core.xml"
		if _, ok := p.files[core]; ok {
			core = p.unused("docProps/core", ".xml")
		}
		root.add(relCore, core)
		ct.override(core, ctCore)
	}
	p.put(core, []byte(coreXML(d, created)))
	drels.save(p)
	root.save(p)
	ct.save(p)
	return nil
}

// mainPart finds the reference's main document part and returns its name
// and XML, refusing what Word would not read the way we write it.
func mainPart(p *pkg, root *rels) (main, src string, err error) {
	main = root.find(relDoc)
	if main == "" {
		if strings.Contains(string(p.files["_rels/.rels"]), "purl.oclc.org") {
			return "", "", refErr("是 Strict OOXML 格式", "it is Strict OOXML")
		}
		return "", "", refErr("找不到正文部件", "no main document part")
	}
	docXML, ok := p.files[main]
	if !ok {
		return "", "", refErr(fmt.Sprintf("缺少 %s", main), fmt.Sprintf("%s is missing", main))
	}
	src = string(docXML)
	tag := rootTag().FindString(src)
	if tag == "" {
		return "", "", refErr("正文不是 w:document", "the main part is not a w:document")
	}
	ns := map[string]string{}
	for _, m := range xmlnsAttr().FindAllStringSubmatch(tag, -1) {
		ns[m[1]] = m[2]
	}
	if ns["w"] != nsW {
		return "", "", refErr("是 Strict OOXML 或不常见的写法", "it is Strict OOXML or written unusually")
	}
	if r, ok := ns["r"]; ok && r != nsR {
		return "", "", refErr("r: 前缀不是关系命名空间", "its r: prefix is not the relationships namespace")
	} else if !ok {
		src = strings.Replace(src, tag, strings.TrimSuffix(tag, ">")+` xmlns:r="`+nsR+`">`, 1)
	}
	return main, src, nil
}

// bodyEnd finds where the report goes: before the body's own sectPr, the
// page setup, which it returns (ours where the reference has none); end
// is where </w:body> starts.
func bodyEnd(src string) (at, end int, sect string, err error) {
	end = strings.LastIndex(src, "</w:body>")
	if end < 0 {
		return 0, 0, "", refErr("正文没有 w:body", "the document has no w:body")
	}
	at = end
	if i := strings.LastIndex(src[:end], "<w:sectPr"); i >= 0 {
		j := strings.LastIndex(src[:end], "</w:sectPr>")
		tail := ""
		switch {
		case j > i:
			tail = src[j+len("</w:sectPr>") : end]
		case strings.HasSuffix(strings.TrimSpace(src[i:end]), "/>"):
			tail = ""
		default:
			tail = "x"
		}
		if strings.TrimSpace(tail) == "" {
			at, sect = i, src[i:end]
		}
	}
	if sect == "" {
		sect = fmt.Sprintf(`<w:sectPr><w:pgSz w:w="%d" w:h="%d"/><w:pgMar w:top="%d" w:right="%d" w:bottom="%d" w:left="%d" w:header="851" w:footer="1304" w:gutter="0"/><w:pgNumType w:start="1"/><w:docGrid w:type="lines" w:linePitch="%d"/></w:sectPr>`,
			pageW, pageH, marginTop, marginRight, marginBottom, marginLeft, lineExactly)
	}
	return at, end, sect, nil
}

// addFooter adds our page-number footer to the package and returns sect
// referring to it.
func addFooter(p *pkg, ct *contentTypes, drels *rels, main, sect, style string) string {
	footer := p.unused(path.Join(path.Dir(main), "footer"), ".xml")
	p.put(footer, []byte(footerXML(style, footerCenter)))
	ct.override(footer, ctFooter)
	id := drels.add(relFooter, footer)
	open := strings.Index(sect, ">")
	if strings.HasPrefix(sect, "<w:sectPr/>") {
		sect = "<w:sectPr></w:sectPr>"
		open = len("<w:sectPr>") - 1
	}
	return sect[:open+1] + `<w:footerReference w:type="default" r:id="` + id + `"/>` + sect[open+1:]
}

// nextDrawID is a drawing id above every one the reference uses.
func nextDrawID(src string) int {
	next := 1000
	for _, m := range docPrID().FindAllStringSubmatch(src, -1) {
		if n, err := strconv.Atoi(m[1]); err == nil && n >= next {
			next = n + 1
		}
	}
	return next
}

// Placeholders: a paragraph of the reference holding only one of these is
// where the report goes.
var placeholders = []string{"{{正文}}", "{{报告}}", "{{report}}"}

var (
	paraRe = lazyRegexp(`(?s)<w:p[ >].*?</w:p>`)
	textRe = lazyRegexp(`<w:t(?: [^>]*)?>([^<]*)</w:t>`)
)

// placeholder finds the paragraph in body that holds only a placeholder
// (its text may be split over runs) and returns where it starts and ends.
func placeholder(body string) (int, int, bool) {
	for _, loc := range paraRe().FindAllStringIndex(body, -1) {
		p := body[loc[0]:loc[1]]
		if strings.Contains(p[1:], "<w:p>") || strings.Contains(p[1:], "<w:p ") {
			continue // a paragraph inside another's content: not a simple one
		}
		var text strings.Builder
		for _, m := range textRe().FindAllStringSubmatch(p, -1) {
			text.WriteString(m[1])
		}
		if slices.Contains(placeholders, strings.TrimSpace(text.String())) {
			return loc[0], loc[1], true
		}
	}
	return 0, 0, false
}

var (
	pgSzW  = lazyRegexp(`<w:pgSz\b[^>]*\bw:w="(\d+)"`)
	pgMarL = lazyRegexp(`<w:pgMar\b[^>]*\bw:left="(\d+)"`)
	pgMarR = lazyRegexp(`<w:pgMar\b[^>]*\bw:right="(\d+)"`)
)

// textWidth is the width between the margins of sect, in twips.
func textWidth(sect string) int {
	get := func(re *regexp.Regexp, def int) int {
		if m := re.FindStringSubmatch(sect); m != nil {
			if n, err := strconv.Atoi(m[1]); err == nil {
				return n
			}
		}
		return def
	}
	w := get(pgSzW(), pageW) - get(pgMarL(), marginLeft) - get(pgMarR(), marginRight)
	if w < 2000 {
		return pageW - marginLeft - marginRight
	}
	return w
}

var (
	styleTag  = lazyRegexp(`(?s)<w:style\b([^>]*)>(.*?)</w:style>`)
	attrType  = lazyRegexp(`\bw:type="([^"]*)"`)
	attrID    = lazyRegexp(`\bw:styleId="([^"]*)"`)
	attrDef   = lazyRegexp(`\bw:default="(1|true|on)"`)
	styleName = lazyRegexp(`<w:name\b[^>]*\bw:val="([^"]*)"`)
	fontName  = lazyRegexp(`<w:font\b[^>]*\bw:name="([^"]*)"`)
)

// mergeStyles finds each style the report uses in the document's styles
// by its name (Word's built-in names, whatever the id a localized Word gave
// it) and adds the report's own for those missing. It returns the ids.
func mergeStyles(p *pkg, drels *rels, ct *contentTypes, main string) (map[string]string, error) {
	part := drels.find(relStyles)
	if part == "" {
		part = path.Join(path.Dir(main), "styles.xml")
		if _, ok := p.files[part]; ok {
			part = p.unused(path.Join(path.Dir(main), "styles"), ".xml")
		}
		p.put(part, []byte(xmlHeader+`<w:styles xmlns:w="`+nsW+`" xmlns:r="`+nsR+`"></w:styles>`))
		drels.add(relStyles, part)
		ct.override(part, ctStyles)
	}
	src := string(p.files[part])
	byName := map[string]string{}
	taken := map[string]bool{}
	hasDefault := false
	for _, m := range styleTag().FindAllStringSubmatch(src, -1) {
		typ, id := "paragraph", ""
		if t := attrType().FindStringSubmatch(m[1]); t != nil {
			typ = t[1]
		}
		if t := attrID().FindStringSubmatch(m[1]); t != nil {
			id = t[1]
		}
		taken[id] = true
		if typ == "paragraph" && attrDef().MatchString(m[1]) {
			hasDefault = true
			if _, ok := byName["paragraph|normal"]; !ok {
				byName["paragraph|normal"] = id
			}
		}
		if n := styleName().FindStringSubmatch(m[1] + m[2]); n != nil {
			key := typ + "|" + strings.ToLower(n[1])
			if _, ok := byName[key]; !ok {
				byName[key] = id
			}
		}
	}
	ids := map[string]string{}
	var add strings.Builder
	for _, s := range styles {
		if id, ok := byName[s.typ+"|"+strings.ToLower(s.name)]; ok {
			ids[s.key] = id
			continue
		}
		id := s.id
		for taken[id] {
			id = "IR" + id
		}
		taken[id] = true
		ids[s.key] = id
		x := styleXML(s, id, ids["normal"])
		if s.key == "normal" && hasDefault {
			x = strings.Replace(x, ` w:default="1"`, "", 1)
		}
		add.WriteString(x)
	}
	if add.Len() > 0 {
		p.put(part, insertBefore([]byte(src), "</w:styles>", add.String()))
	}
	return ids, nil
}

// mergeFonts declares the office fonts and their fallbacks in the font
// table, adding one where the document has none.
func mergeFonts(p *pkg, drels *rels, ct *contentTypes, main string) error {
	part := drels.find(relFonts)
	if part == "" {
		part = p.unused(path.Join(path.Dir(main), "fontTable"), ".xml")
		p.put(part, []byte(fontTableXML()))
		drels.add(relFonts, part)
		ct.override(part, ctFonts)
		return nil
	}
	src := string(p.files[part])
	have := map[string]bool{}
	for _, m := range fontName().FindAllStringSubmatch(src, -1) {
		have[m[1]] = true
	}
	var add strings.Builder
	for _, f := range fonts {
		if !have[f.name] {
			add.WriteString(fontEntry(f))
		}
	}
	if add.Len() > 0 {
		p.put(part, insertBefore([]byte(src), "</w:fonts>", add.String()))
	}
	return nil
}

func coreXML(d *doc.Document, created time.Time) string {
	when := created.UTC().Format("2006-01-02T15:04:05Z")
	lang := "zh-CN"
	if d.Lang == report.En {
		lang = "en-GB"
	}
	return xmlHeader + `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
		`<dc:title>` + esc(d.Title) + `</dc:title><dc:subject>` + esc(d.Subject) + `</dc:subject><dc:creator>` + esc(d.Author) + `</dc:creator>` +
		`<dc:language>` + lang + `</dc:language>` +
		`<dcterms:created xsi:type="dcterms:W3CDTF">` + when + `</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">` + when + `</dcterms:modified>` +
		`</cp:coreProperties>`
}
