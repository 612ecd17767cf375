package xlsx

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"innoreport/report"
)

func (p *pkg) styles(rels relations) error {
	rc, ok, err := p.openRel(rels, "styles", "xl/styles.xml")
	if err != nil || !ok {
		return err
	}
	defer rc.Close()
	d := decoder(rc)
	custom := map[int]string{}
	inXfs := false
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "numFmt":
				id, _ := strconv.Atoi(attr(t, "numFmtId"))
				custom[id] = attr(t, "formatCode")
			case "cellXfs":
				inXfs = true
			case "xf":
				if inXfs {
					id, _ := strconv.Atoi(attr(t, "numFmtId"))
					p.xfs = append(p.xfs, formatKind(id, custom))
				}
			}
		case xml.EndElement:
			if t.Name.Local == "cellXfs" {
				inXfs = false
			}
		}
	}
}

func formatKind(id int, custom map[int]string) report.NumFormat {
	if code, ok := custom[id]; ok {
		return classifyFormat(code)
	}
	switch {
	case builtinDates[id]:
		return report.FormatDate
	case builtinPercent[id]:
		return report.FormatPercent
	}
	return report.FormatGeneral
}

// Built-in number formats that show dates or percentages.
var (
	builtinDates   = map[int]bool{14: true, 15: true, 16: true, 17: true, 22: true, 27: true, 28: true, 29: true, 30: true, 31: true, 34: true, 35: true, 36: true, 50: true, 51: true, 52: true, 53: true, 54: true, 57: true, 58: true}
	builtinPercent = map[int]bool{9: true, 10: true}
)

// classifyFormat reads a custom number format code, ignoring quoted text,
// escapes and [colour] or [$-locale] brackets.
func classifyFormat(code string) report.NumFormat {
	var b strings.Builder
	inQuote, inBracket := false, false
	for i := 0; i < len(code); i++ {
		ch := code[i]
		switch {
		case inQuote:
			inQuote = ch != '"'
		case inBracket:
			inBracket = ch != ']'
		case ch == '"':
			inQuote = true
		case ch == '[':
			inBracket = true
		case ch == '\\' || ch == '_' || ch == '*':
			i++
		default:
			b.WriteByte(ch)
		}
	}
	plain := strings.ToLower(b.String())
	if i := strings.IndexByte(plain, ';'); i >= 0 {
		plain = plain[:i]
	}
	switch {
	case strings.Contains(plain, "%"):
		return report.FormatPercent
	case strings.ContainsAny(plain, "ymd") || strings.Contains(code, "年") || strings.Contains(code, "月"):
		if plain == "general" {
			return report.FormatGeneral
		}
		return report.FormatDate
	}
	return report.FormatGeneral
}

func (p *pkg) sharedStrings(rels relations) error {
	rc, ok, err := p.openRel(rels, "sharedStrings", "xl/sharedStrings.xml")
	if err != nil || !ok {
		return err
	}
	defer rc.Close()
	return tokens(rc, &sstReader{p: p})
}

// sstReader is the shared strings part being read into p.sst: the text
// of each <si>, its phonetic runs (<rPh>) left out.
type sstReader struct {
	p          *pkg
	b          strings.Builder
	inT        bool
	inPhonetic int
	n          int // tokens, to look at the clock now and then
}

// tick looks at the deadline every 4096 tokens.
func (sr *sstReader) tick() error {
	sr.n++
	if sr.n&0xFFF == 1 && time.Now().After(sr.p.deadline) {
		return sr.p.timeLimit()
	}
	return nil
}

func (sr *sstReader) start(local []byte, _ []rawAttr) error {
	switch string(local) {
	case "si":
		sr.b.Reset()
	case "t":
		sr.inT = true
	case "rPh":
		sr.inPhonetic++
	}
	return sr.tick()
}

func (sr *sstReader) end(local []byte) error {
	switch string(local) {
	case "si":
		p := sr.p
		if sr.b.Len() > p.lim.CellChars && utf8.RuneCountInString(sr.b.String()) > p.lim.CellChars {
			return p.cellLimit("sharedStrings.xml", fmt.Sprintf("#%d", len(p.sst)))
		}
		p.sst = append(p.sst, unescapeXstring(sr.b.String()))
	case "t":
		sr.inT = false
	case "rPh":
		sr.inPhonetic--
	}
	return sr.tick()
}

func (sr *sstReader) text(t []byte) error {
	if sr.inT && sr.inPhonetic == 0 {
		if sr.b.Len()+len(t) > sr.p.lim.CellChars*4 {
			return sr.p.cellLimit("sharedStrings", "")
		}
		sr.b.Write(t)
	}
	return sr.tick()
}

func (p *pkg) cellLimit(sheet, ref string) error {
	return p.limit(report.Ref(sheet, ref), report.MeasureCellChars, int64(p.lim.CellChars), "-max-cell-chars")
}
