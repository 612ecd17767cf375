package updated

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

func (u *updater) prepare() error {
	for _, name := range []string{u.n.summary, u.n.indicators, u.n.findings} {
		if idx, _ := u.f.GetSheetIndex(name); idx >= 0 {
			if err := u.f.DeleteSheet(name); err != nil {
				return err
			}
		}
	}
	u.styles = map[string]int{}
	border := []excelize.Border{
		{Type: "left", Color: "BFBFBF", Style: 1}, {Type: "right", Color: "BFBFBF", Style: 1},
		{Type: "top", Color: "BFBFBF", Style: 1}, {Type: "bottom", Color: "BFBFBF", Style: 1},
	}
	pct := "0.0%"
	// Every font of ours names the workbook's own family and size: a font
	// with no name falls back to a serif one in LibreOffice and WPS.
	// (GetDefaultFont panics on a default font with no name.)
	family, size := "", 11.0
	if st, err := u.f.GetStyle(0); err == nil && st.Font != nil {
		family = st.Font.Family
		if st.Font.Size > 0 {
			size = st.Font.Size
		}
	}
	u.fontSize = size
	font := func(f excelize.Font) *excelize.Font {
		f.Family = family
		if f.Size == 0 {
			f.Size = size
		}
		return &f
	}
	defs := map[string]*excelize.Style{
		"title":  {Font: font(excelize.Font{Size: size + 3, Bold: true})},
		"label":  {Font: font(excelize.Font{Bold: true})},
		"header": {Font: font(excelize.Font{Bold: true, Color: "FFFFFF"}), Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"1F5091"}}, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}, Border: border},
		"text":   {Border: border, Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}},
		"int":    {Border: border, NumFmt: 1},
		"num":    {Border: border, CustomNumFmt: strPtr("#,##0.##")},
		"pct":    {Border: border, CustomNumFmt: &pct},
		"date":   {CustomNumFmt: strPtr("yyyy-mm-dd")},
		"note":   {Font: font(excelize.Font{Italic: true, Color: "666666"})},
		"link":   {Border: border, Font: font(excelize.Font{Color: "0563C1", Underline: "single"}), Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}},
		"total":  {Border: border, Font: font(excelize.Font{Bold: true}), NumFmt: 1, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E2EAF4"}}},
		"totalp": {Border: border, Font: font(excelize.Font{Bold: true}), CustomNumFmt: &pct, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E2EAF4"}}},
	}
	// In a fixed order: style ids end up in the file.
	for _, k := range slices.Sorted(maps.Keys(defs)) {
		d := defs[k]
		id, err := u.f.NewStyle(d)
		if err != nil {
			return err
		}
		u.styles[k] = id
	}
	return nil
}

func strPtr(s string) *string { return &s }

// fillXf is a cell format innoreport adds: the original cell's format
// with a solid fill, for a finding.
type fillXf struct {
	orig  int    // the cell's original xf index
	color string // RRGGBB
}

// styleSpans are where a styles part keeps its fills and cell formats.
type styleSpans struct {
	fillsStart, fillsEnd int
	xfsStart, xfsEnd     int
	nFills               int
	xfs                  [][2]int // each cellXfs/xf's span
}

// locateStyles finds the fills and the cell formats of a styles part.
func locateStyles(styles []byte) (styleSpans, error) {
	sp := styleSpans{fillsStart: -1, fillsEnd: -1, xfsStart: -1, xfsEnd: -1}
	d := xml.NewDecoder(bytes.NewReader(styles))
	depth, in, xfStart := 0, "", 0 // in: the depth-1 element we are in
	for {
		before := int(d.InputOffset())
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return sp, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 2:
				in = t.Name.Local
				if in == "fills" {
					sp.fillsStart = before
				} else if in == "cellXfs" {
					sp.xfsStart = before
				}
			case depth == 3 && in == "fills" && t.Name.Local == "fill":
				sp.nFills++
			case depth == 3 && in == "cellXfs" && t.Name.Local == "xf":
				xfStart = before
			}
		case xml.EndElement:
			switch {
			case depth == 3 && in == "cellXfs" && t.Name.Local == "xf":
				sp.xfs = append(sp.xfs, [2]int{xfStart, int(d.InputOffset())})
			case depth == 2 && t.Name.Local == "fills":
				sp.fillsEnd = before
			case depth == 2 && t.Name.Local == "cellXfs":
				sp.xfsEnd = before
			}
			if depth == 2 {
				in = ""
			}
			depth--
		}
	}
	return sp, nil
}

// addFillXfs copies each requested cell format in the styles part
// excelize wrote, as XML, with a fill added; the copies are numbered from
// the returned base. Copying the xf itself keeps the original's fonts,
// borders, number format and alignment exactly as they were, theme and
// indexed colours included; a round trip through excelize's Style would
// rewrite their colours, and not always validly.
func addFillXfs(styles []byte, add []fillXf) ([]byte, int, error) {
	sp, err := locateStyles(styles)
	if err != nil {
		return nil, 0, err
	}
	if sp.fillsStart < 0 || sp.xfsStart < 0 || sp.fillsEnd < sp.fillsStart || sp.xfsEnd < sp.xfsStart || sp.fillsEnd > sp.xfsStart {
		return nil, 0, errors.New("xlsx: the styles part has no fills or cell formats in order")
	}
	var fills, newXfs strings.Builder
	fillIDs := map[string]int{}
	for _, a := range add {
		id, ok := fillIDs[a.color]
		if !ok {
			id = sp.nFills + len(fillIDs)
			fillIDs[a.color] = id
			fmt.Fprintf(&fills, `<fill><patternFill patternType="solid"><fgColor rgb="FF%s"/><bgColor indexed="64"/></patternFill></fill>`, a.color)
		}
		xf := `<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>`
		switch {
		case a.orig >= 0 && a.orig < len(sp.xfs):
			xf = string(styles[sp.xfs[a.orig][0]:sp.xfs[a.orig][1]])
		case len(sp.xfs) > 0:
			xf = string(styles[sp.xfs[0][0]:sp.xfs[0][1]])
		}
		newXfs.WriteString(withFill(xf, id))
	}
	fillsOpen, xfsOpen := tagEnd(styles, sp.fillsStart), tagEnd(styles, sp.xfsStart)
	if bytes.HasSuffix(styles[sp.fillsStart:fillsOpen], []byte("/>")) || bytes.HasSuffix(styles[sp.xfsStart:xfsOpen], []byte("/>")) {
		return nil, 0, errors.New("xlsx: the styles part has empty fills or cell formats")
	}
	var out bytes.Buffer
	out.Write(styles[:sp.fillsStart])
	out.WriteString(withCount(string(styles[sp.fillsStart:fillsOpen]), sp.nFills+len(fillIDs)))
	out.Write(styles[fillsOpen:sp.fillsEnd])
	out.WriteString(fills.String())
	out.Write(styles[sp.fillsEnd:sp.xfsStart])
	out.WriteString(withCount(string(styles[sp.xfsStart:xfsOpen]), len(sp.xfs)+len(add)))
	out.Write(styles[xfsOpen:sp.xfsEnd])
	out.WriteString(newXfs.String())
	out.Write(styles[sp.xfsEnd:])
	return out.Bytes(), len(sp.xfs), nil
}

var (
	reCount   = regexp.MustCompile(`\bcount="[^"]*"`)
	reFillID  = regexp.MustCompile(`\bfillId="[^"]*"`)
	reApplyFl = regexp.MustCompile(`\bapplyFill="[^"]*"`)
)

// setAttr sets an attribute in a start tag, matched by re, to name="val".
func setAttr(tag string, re *regexp.Regexp, attr string) string {
	if re.MatchString(tag) {
		return re.ReplaceAllLiteralString(tag, attr)
	}
	if strings.HasSuffix(tag, "/>") {
		return tag[:len(tag)-2] + " " + attr + "/>"
	}
	return tag[:len(tag)-1] + " " + attr + ">"
}

// withCount sets a start tag's count attribute.
func withCount(tag string, n int) string {
	return setAttr(tag, reCount, `count="`+strconv.Itoa(n)+`"`)
}

// withFill sets an xf's fill and says it applies.
func withFill(xf string, fill int) string {
	end := tagEnd([]byte(xf), 0)
	tag, rest := xf[:end], xf[end:]
	tag = setAttr(tag, reFillID, `fillId="`+strconv.Itoa(fill)+`"`)
	tag = setAttr(tag, reApplyFl, `applyFill="1"`)
	return tag + rest
}

// normaliseColours makes every colour of a styles part eight-digit aRGB,
// as the schema wants and openpyxl insists: six digits get an opaque
// alpha, and what is no colour at all ("", "0", "FED+", written by some
// libraries) is dropped, leaving the reader's automatic colour. The
// white space before a dropped attribute goes with it, and before a
// rewritten one becomes one space. It does by byte search what the
// expression \s*\brgb="([^"]*)" did, which was tried at every byte of
// the part and took as long as writing the rest of it.
func normaliseColours(b []byte) []byte {
	const attr = `rgb="`
	var out []byte
	last, changed := 0, false
	for i := 0; i < len(b); {
		k := bytes.Index(b[i:], []byte(attr))
		if k < 0 {
			break
		}
		at := i + k
		if at > 0 && wordChar(b[at-1]) {
			i = at + 1 // "argb=": not the attribute
			continue
		}
		q := bytes.IndexByte(b[at+len(attr):], '"')
		if q < 0 {
			break
		}
		end := at + len(attr) + q + 1
		from := at
		for from > last && regexpSpace(b[from-1]) {
			from--
		}
		v := b[at+len(attr) : end-1]
		switch {
		case !hex6or8(v):
			out = append(out, b[last:from]...)
			last, changed = end, true
		case len(v) == 6:
			out = append(append(out, b[last:from]...), ` rgb="FF`...)
			out = append(append(out, bytes.ToUpper(v)...), '"')
			last, changed = end, true
		}
		i = end
	}
	if !changed {
		return b
	}
	return append(out, b[last:]...)
}

// hex6or8 reports whether v is six or eight hexadecimal digits.
func hex6or8(v []byte) bool {
	if len(v) != 6 && len(v) != 8 {
		return false
	}
	for _, c := range v {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
