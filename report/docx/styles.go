package docx

import (
	"fmt"
	"strings"
)

// The fonts Chinese government offices have, named as they are installed
// there. Each comes with an alternative Windows ships with (and that Word
// substitutes when the first is missing), its PANOSE and GB2312 charset, so
// that a PC without the office fonts still shows Chinese.
type fontSpec struct {
	name, alt, panose, family, pitch string
}

var fonts = []fontSpec{
	{"方正小标宋简体", "宋体", "02010600030101010101", "auto", "variable"},
	{"仿宋_GB2312", "仿宋", "02010609060101010101", "modern", "fixed"},
	{"黑体", "SimHei", "02010609060101010101", "modern", "fixed"},
	{"楷体_GB2312", "楷体", "02010609060101010101", "modern", "fixed"},
	{"宋体", "SimSun", "02010600030101010101", "auto", "variable"},
	{"仿宋", "FangSong", "02010609060101010101", "modern", "fixed"},
	{"楷体", "KaiTi", "02010609060101010101", "modern", "fixed"},
}

const (
	fontTitle   = "方正小标宋简体"
	fontBody    = "仿宋_GB2312"
	fontHei     = "黑体"
	fontKai     = "楷体_GB2312"
	fontSong    = "宋体"
	fontLatin   = "Times New Roman"
	lineExactly = 579 // twips: 28.95 pt, GB/T 9704's 22 lines to a page
)

// fontEntry is one font's entry in word/fontTable.xml.
func fontEntry(f fontSpec) string {
	return fmt.Sprintf(`<w:font w:name="%s"><w:altName w:val="%s"/><w:panose1 w:val="%s"/><w:charset w:val="86"/><w:family w:val="%s"/><w:pitch w:val="%s"/></w:font>`,
		f.name, f.alt, f.panose, f.family, f.pitch)
}

func fontTableXML() string {
	var b strings.Builder
	b.WriteString(xmlHeader + `<w:fonts xmlns:w="` + nsW + `" xmlns:r="` + nsR + `">`)
	for _, f := range fonts {
		b.WriteString(fontEntry(f))
	}
	b.WriteString(`<w:font w:name="Times New Roman"><w:panose1 w:val="02020603050405020304"/><w:charset w:val="00"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>`)
	b.WriteString(`</w:fonts>`)
	return b.String()
}

// rPr is a run's fonts and size (half-points): Latin in Times New Roman,
// Chinese in east, marked Chinese so that fallbacks pick a CJK face.
func rPr(east string, halfPoints int, extra string) string {
	return fmt.Sprintf(`<w:rPr><w:rFonts w:ascii="%[1]s" w:hAnsi="%[1]s" w:eastAsia="%[2]s" w:cs="%[1]s" w:hint="eastAsia"/>%[4]s<w:sz w:val="%[3]d"/><w:szCs w:val="%[3]d"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr>`,
		fontLatin, east, halfPoints, extra)
}

// Word refuses a file whose elements are out of the schema's order, even
// where LibreOffice reads it: in a pPr, keepNext, keepLines,
// pageBreakBefore, widowControl, snapToGrid, spacing, ind, jc, outlineLvl.

// style is one of the report's styles. Name is Word's built-in name where
// there is one, so that a reference document's own version is found.
type style struct {
	key  string // how the renderer asks for it
	typ  string // paragraph or table
	name string
	id   string // the id it has in the built-in styles.xml
	body string // pPr, rPr, tblPr…
}

var bodyIndent = `<w:ind w:firstLineChars="200" w:firstLine="640"/>`
var exact = fmt.Sprintf(`<w:spacing w:before="0" w:after="0" w:line="%d" w:lineRule="exact"/>`, lineExactly)

var styles = []style{
	{"normal", "paragraph", "Normal", "Normal",
		`<w:pPr><w:widowControl/>` + exact + `<w:jc w:val="both"/></w:pPr>` + rPr(fontBody, 32, "")},
	{"title", "paragraph", "Title", "Title",
		`<w:pPr><w:keepNext/><w:spacing w:before="0" w:after="300" w:line="700" w:lineRule="exact"/><w:jc w:val="center"/><w:outlineLvl w:val="9"/></w:pPr>` + rPr(fontTitle, 44, "")},
	{"subtitle", "paragraph", "Subtitle", "Subtitle",
		`<w:pPr>` + exact + `<w:jc w:val="center"/></w:pPr>` + rPr(fontKai, 32, "")},
	{"body", "paragraph", "Body Text", "BodyText",
		`<w:pPr>` + exact + bodyIndent + `<w:jc w:val="both"/></w:pPr>` + rPr(fontBody, 32, "")},
	{"h1", "paragraph", "heading 1", "Heading1",
		`<w:pPr><w:keepNext/><w:keepLines/>` + exact + bodyIndent + `<w:outlineLvl w:val="0"/></w:pPr>` + rPr(fontHei, 32, "")},
	{"h2", "paragraph", "heading 2", "Heading2",
		`<w:pPr><w:keepNext/><w:keepLines/>` + exact + bodyIndent + `<w:outlineLvl w:val="1"/></w:pPr>` + rPr(fontKai, 32, "")},
	{"h3", "paragraph", "heading 3", "Heading3",
		`<w:pPr><w:keepNext/><w:keepLines/>` + exact + bodyIndent + `<w:outlineLvl w:val="2"/></w:pPr>` + rPr(fontBody, 32, "<w:b/><w:bCs/>")},
	{"h4", "paragraph", "heading 4", "Heading4",
		`<w:pPr><w:keepNext/><w:keepLines/>` + exact + bodyIndent + `<w:outlineLvl w:val="3"/></w:pPr>` + rPr(fontBody, 32, "")},
	{"caption", "paragraph", "caption", "Caption",
		`<w:pPr><w:snapToGrid w:val="0"/><w:spacing w:before="60" w:after="240"/><w:jc w:val="center"/></w:pPr>` + rPr(fontKai, 28, "")},
	{"figure", "paragraph", "Figure", "Figure",
		`<w:pPr><w:keepNext/><w:snapToGrid w:val="0"/><w:spacing w:before="120" w:after="0" w:line="240" w:lineRule="auto"/><w:jc w:val="center"/></w:pPr>`},
	{"cell", "paragraph", "Table Text", "TableText",
		`<w:pPr><w:snapToGrid w:val="0"/><w:spacing w:before="30" w:after="30" w:line="240" w:lineRule="auto"/></w:pPr>` + rPr(fontBody, 20, "")},
	{"cellhead", "paragraph", "Table Heading", "TableHeading",
		`<w:pPr><w:keepNext/><w:snapToGrid w:val="0"/><w:spacing w:before="30" w:after="30" w:line="240" w:lineRule="auto"/><w:jc w:val="center"/></w:pPr>` + rPr(fontHei, 18, "")},
	{"note", "paragraph", "Table Note", "TableNote",
		`<w:pPr><w:snapToGrid w:val="0"/><w:spacing w:before="60" w:after="120" w:line="240" w:lineRule="auto"/></w:pPr>` + rPr(fontKai, 24, "")},
	{"signature", "paragraph", "Signature", "Signature",
		`<w:pPr><w:spacing w:before="600" w:after="0" w:line="579" w:lineRule="exact"/><w:ind w:right="1280"/><w:jc w:val="right"/></w:pPr>` + rPr(fontBody, 32, "")},
	{"footer", "paragraph", "footer", "Footer",
		`<w:pPr><w:jc w:val="center"/></w:pPr>` + rPr(fontSong, 28, "")},
	{"table", "table", "Report Table", "ReportTable",
		`<w:tblPr><w:tblBorders><w:top w:val="single" w:sz="8" w:space="0" w:color="000000"/><w:left w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:bottom w:val="single" w:sz="8" w:space="0" w:color="000000"/><w:right w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:insideH w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="000000"/></w:tblBorders><w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar></w:tblPr>`},
}

// styleXML is one style's element, with its id and, for paragraph styles
// other than Normal, the id of the style it is based on.
func styleXML(s style, id, normalID string) string {
	based := ""
	if s.key != "normal" && s.typ == "paragraph" {
		based = `<w:basedOn w:val="` + normalID + `"/>`
	}
	def := ""
	if s.key == "normal" {
		def = ` w:default="1"`
	}
	return fmt.Sprintf(`<w:style w:type="%s"%s w:styleId="%s"><w:name w:val="%s"/>%s<w:qFormat/>%s</w:style>`, s.typ, def, id, s.name, based, s.body)
}

func stylesXML() string {
	var b strings.Builder
	b.WriteString(xmlHeader + `<w:styles xmlns:w="` + nsW + `" xmlns:r="` + nsR + `">`)
	b.WriteString(`<w:docDefaults><w:rPrDefault>` + rPr(fontBody, 32, "") + `</w:rPrDefault><w:pPrDefault><w:pPr/></w:pPrDefault></w:docDefaults>`)
	for _, s := range styles {
		b.WriteString(styleXML(s, s.id, "Normal"))
	}
	b.WriteString(`</w:styles>`)
	return b.String()
}

// settingsXML asks for different odd and even footers: GB/T 9704 puts odd
// page numbers right and even ones left.
const settingsXML = xmlHeader + `<w:settings xmlns:w="` + nsW + `"><w:zoom w:percent="100"/><w:defaultTabStop w:val="420"/><w:evenAndOddHeaders/><w:characterSpacingControl w:val="compressPunctuation"/><w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat></w:settings>`

// Where a page number stands: GB/T 9704 sets odd pages' one character in
// from the right, even pages' from the left; centred where a reference
// document has one footer for all pages.
const (
	footerOdd    = `<w:ind w:right="320"/><w:jc w:val="right"/>`
	footerEven   = `<w:ind w:left="320"/><w:jc w:val="left"/>`
	footerCenter = `<w:jc w:val="center"/>`
)

// footerXML is the page number as 公文 writes it, "— 3 —", in 4号 宋体.
func footerXML(styleID, place string) string {
	run := func(inner string) string { return `<w:r>` + rPr(fontSong, 28, "") + inner + `</w:r>` }
	return xmlHeader + `<w:ftr xmlns:w="` + nsW + `" xmlns:r="` + nsR + `"><w:p><w:pPr><w:pStyle w:val="` + styleID + `"/>` + place + `</w:pPr>` +
		run(`<w:t xml:space="preserve">— </w:t>`) + run(`<w:fldChar w:fldCharType="begin"/>`) + run(`<w:instrText xml:space="preserve"> PAGE </w:instrText>`) +
		run(`<w:fldChar w:fldCharType="separate"/>`) + run(`<w:t>1</w:t>`) + run(`<w:fldChar w:fldCharType="end"/>`) + run(`<w:t xml:space="preserve"> —</w:t>`) +
		`</w:p></w:ftr>`
}
