package report

import (
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// ErrValue marks text that is not a value of the wanted kind.
var ErrValue = errors.New("report: not a valid value")

// Number is a figure as people type it into an indicator or progress cell.
type Number struct {
	Value   float64 `json:"value"`
	OK      bool    `json:"ok"`                // a figure is present
	Pending bool    `json:"pending,omitempty"` // 待统计: promised, not yet there
	Percent bool    `json:"percent,omitempty"` // written with % or formatted as one
	Op      string  `json:"op,omitempty"`      // ≥, ≤ or ≈ where the text said so
	Growth  bool    `json:"growth,omitempty"`  // 增长6%: relative to the baseline
}

// fold turns full-width forms into ASCII and trims every kind of space, so
// that "１２" and " 12 " read alike.
func fold(s string) string {
	switch foldKind(s) {
	case foldASCII:
		s = foldFullWidth(s)
	case foldAll:
		s = width.Fold.String(s)
	}
	return strings.TrimFunc(s, isSpace)
}

// What width.Fold would do to a text: nothing; only map full-width ASCII
// (U+FF01-FF5E) and the ideographic space, one rune for one, as most
// texts that need folding want ("，", "（", "："); or more (the half-width
// forms, some of which join two runes into one), for which the
// transformer, which allocates at every call, is used. TestFoldFullWidth
// holds foldFullWidth to width.Fold on every rune.
const (
	foldNone = iota
	foldASCII
	foldAll
)

func foldKind(s string) int {
	kind := foldNone
	for i := 0; i < len(s); i++ {
		// U+3000 is E3 80 80 and U+FF01-FFEE are EF BC 81 to EF BF AE in
		// UTF-8; E3 and EF only ever start a rune.
		switch c := s[i]; {
		case c == 0xE3 && i+2 < len(s) && s[i+1] == 0x80 && s[i+2] == 0x80:
			kind = foldASCII
		case c == 0xEF && i+2 < len(s):
			r, _ := utf8.DecodeRuneInString(s[i:])
			switch {
			case r >= 0xFF01 && r <= 0xFF5E:
				kind = foldASCII
			case r >= 0xFF5F && r <= 0xFFEE:
				return foldAll
			}
		}
	}
	return kind
}

// foldFullWidth maps full-width ASCII to ASCII and the ideographic space
// to a space, as width.Fold does; the rest, bytes that are not UTF-8
// too, it keeps as they are.
func foldFullWidth(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == 0x3000:
			b = append(b, ' ')
		case r >= 0xFF01 && r <= 0xFF5E:
			b = append(b, byte(r-0xFF01+'!'))
		default:
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return string(b)
}

// squeeze drops all white space inside s as well.
func squeeze(s string) string {
	if !hasSpace(s) { // most cells: no copy, no call per rune
		return s
	}
	return strings.Map(func(r rune) rune {
		if isSpace(r) {
			return -1
		}
		return r
	}, s)
}

// hasSpace reports whether s holds white space, as unicode.IsSpace has it
// (where a reader decoding s rune by rune, as strings.Fields does, meets
// it). Only the bytes a space can start with are looked at closer: the
// spaces beyond ASCII begin with 0xC2, 0xE1, 0xE2 or 0xE3, which no rune
// holds but at its start, and CJK text is mostly of other bytes.
func hasSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < utf8.RuneSelf:
			if asciiSpace[c] {
				return true
			}
		case c == 0xC2 || 0xE1 <= c && c <= 0xE3:
			if r, _ := utf8.DecodeRuneInString(s[i:]); isSpace(r) {
				return true
			}
		}
	}
	return false
}

var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// isSpace is unicode.IsSpace without its table search: Unicode's
// White_Space, a property that does not change (TestIsSpace holds the two
// together).
func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiSpace[r]
	}
	switch {
	case r == 0x85, r == 0xA0, r == 0x1680, r >= 0x2000 && r <= 0x200A,
		r == 0x2028, r == 0x2029, r == 0x202F, r == 0x205F, r == 0x3000:
		return true
	}
	return false
}

var noValue = map[string]bool{
	"": true, "—": true, "——": true, "-": true, "--": true, "/": true, "\\": true,
	"无": true, "暂无": true, "n/a": true, "na": true, "—/—": true, "／": true, "−": true, "–": true,
}

var pendingValue = map[string]bool{
	"待统计": true, "待定": true, "统计中": true, "待核实": true, "待公布": true, "pending": true, "tbd": true,
}

// IsBlank reports whether s is one of the ways people write "no value".
func IsBlank(s string) bool {
	if longerThanNoValue(s) {
		return false
	}
	return noValue[strings.ToLower(squeeze(fold(s)))]
}

// noValueRunes is the length of the longest way to write no value.
var noValueRunes = func() int {
	n := 0
	for k := range noValue {
		n = max(n, utf8.RuneCountInString(k))
	}
	return n
}()

// longerThanNoValue reports whether s has more characters other than
// space than any way of writing no value, which folding, squeezing and
// lowering keep (they map a character to one character, a space to a
// space): most cells, told apart without a copy.
func longerThanNoValue(s string) bool {
	n := 0
	for _, r := range s {
		if r == utf8.RuneError {
			return false // let the slow path decide
		}
		if !isSpace(r) {
			if n++; n > noValueRunes {
				return true
			}
		}
	}
	return false
}

var (
	reThousand = lazyRegexp(`(\d)[,，](\d{3})`)
	numPrefix  = []struct{ text, op string }{
		{">=", "≥"}, {"<=", "≤"}, {"≥", "≥"}, {"≤", "≤"}, {">", "≥"}, {"<", "≤"},
		{"不低于", "≥"}, {"不少于", "≥"}, {"超过", "≥"}, {"达到", ""}, {"不高于", "≤"}, {"不超过", "≤"},
		{"控制在", "≤"}, {"大约", "≈"}, {"约", "≈"}, {"~", "≈"}, {"≈", "≈"},
	}
	growthPrefix = []string{"增长", "提高", "增加", "提升", "年均增长", "growth", "increase"}
	numSuffix    = []struct{ text, op string }{{"以上", "≥"}, {"及以上", "≥"}, {"以下", "≤"}, {"左右", "≈"}, {"内", "≤"}}
)

// ParseNumber reads 46, "46个", "约46", "1,234", "１２", "2.1%", "≥2.1%" and
// "增长6%左右". Blanks and dashes give a Number with OK false and no error;
// 待统计 gives Pending. Anything else is ErrValue.
func ParseNumber(s string) (Number, error) {
	t := squeeze(fold(s))
	low := strings.ToLower(t)
	if noValue[low] {
		return Number{}, nil
	}
	if pendingValue[low] {
		return Number{Pending: true}, nil
	}
	var n Number
	for _, g := range growthPrefix {
		if strings.HasPrefix(low, g) {
			n.Growth = true
			t = t[len(g):]
			low = low[len(g):]
			break
		}
	}
	for changed := true; changed; {
		changed = false
		for _, p := range numPrefix {
			if strings.HasPrefix(t, p.text) {
				t = t[len(p.text):]
				if p.op != "" {
					n.Op = p.op
				}
				changed = true
			}
		}
	}
	if strings.ContainsAny(t, ",，") { // the regexp copies even where it finds none
		t = reThousand().ReplaceAllString(t, "$1$2")
		t = reThousand().ReplaceAllString(t, "$1$2")
	}
	m := leadingNumber(t)
	if m == "" {
		return Number{}, ErrValue
	}
	v, err := strconv.ParseFloat(m, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return Number{}, ErrValue
	}
	rest := t[len(m):]
	if strings.HasPrefix(rest, "%") {
		n.Percent = true
		rest = rest[1:]
	}
	for _, p := range numSuffix {
		if strings.HasSuffix(rest, p.text) {
			rest = strings.TrimSuffix(rest, p.text)
			if n.Op == "" {
				n.Op = p.op
			}
		}
	}
	// A unit may follow ("46个", "3.5亿元"), but not another figure: "2021-12"
	// or "3/4" are not numbers.
	if rest != "" {
		r := []rune(rest)[0]
		if unicode.IsDigit(r) || strings.ContainsRune("-/.:：", r) {
			return Number{}, ErrValue
		}
		if strings.HasPrefix(rest, "年") || strings.HasPrefix(rest, "月") {
			return Number{}, ErrValue
		}
	}
	n.Value, n.OK = v, true
	return n, nil
}

// leadingNumber is the number s starts with, as the regexp
// ^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)? finds it (TestLeadingNumber
// holds the two together), or "": read for every figure of every row,
// where the regexp cost more than the rest of ParseNumber.
func leadingNumber(s string) string {
	digits := func(i int) int {
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		return i
	}
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	j := digits(i)
	switch {
	case j > i:
		if j < len(s) && s[j] == '.' {
			j = digits(j + 1)
		}
	case j < len(s) && s[j] == '.' && digits(j+1) > j+1:
		j = digits(j + 1)
	default:
		return ""
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if e := digits(k); e > k {
			j = e
		}
	}
	return s[:j]
}

// trimSpace is strings.TrimSpace, without its rune-by-rune path for the
// many cells that start or end with a character beyond ASCII but not
// with space.
func trimSpace(s string) string {
	if s == "" {
		return s
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if !isSpace(first) && !isSpace(last) {
		return s
	}
	return strings.TrimSpace(s)
}

// NumberFromCell reads a cell as a figure; a stored number formatted as a
// percentage (0.021 shown as 2.1%) counts in percentage points, as typed.
func NumberFromCell(c Cell) (Number, error) {
	if c.Number && c.Format == FormatPercent {
		v, err := strconv.ParseFloat(strings.TrimSpace(c.Text), 64)
		if err != nil {
			return Number{}, ErrValue
		}
		return Number{Value: round(v*100, 10), OK: true, Percent: true}, nil
	}
	return ParseNumber(c.Text)
}

// ProgressFromCell reads completion progress in points 0–100: 85, "85%" and
// 0.85 formatted as a percentage all give 85. A bare fraction below 1
// (0.85 in a General cell) is also read as a share, since nobody reports
// progress in hundredths of a percent.
func ProgressFromCell(c Cell) (Number, error) {
	n, err := NumberFromCell(c)
	if err != nil || !n.OK || n.Percent || n.Op != "" {
		return n, err
	}
	if n.Value > 0 && n.Value < 1 {
		n.Value = round(n.Value*100, 10)
	}
	return n, nil
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// Date is a deadline: a day, or ongoing work with none.
type Date struct {
	Time    time.Time
	Ongoing bool
}

// OK reports whether d holds a day.
func (d Date) OK() bool { return !d.Time.IsZero() }

func (d Date) String() string {
	switch {
	case d.Ongoing:
		return "长期"
	case d.OK():
		return d.Time.Format(time.DateOnly)
	}
	return ""
}

var dateSeparators = strings.NewReplacer(",", "", "，", "", "、", "")

var ongoingWords = []string{"长期坚持", "持续推进", "长期推进", "常态化推进", "长期", "持续", "常态化", "每年", "ongoing", "continuous"}

var (
	reYMD     = lazyRegexp(`^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?$`)
	reYM      = lazyRegexp(`^(\d{4})[-/.年](\d{1,2})月?(?:底|末|份|下旬)?$`)
	reYMPart  = lazyRegexp(`^(\d{4})[-/.年](\d{1,2})月?(上旬|中旬)$`)
	reY       = lazyRegexp(`^(\d{4})年?(?:底|末|年底|年末|全年|年内)?$`)
	reQuarter = lazyRegexp(`^(\d{4})年?第?([一二三四1-4])季度?$`)
	reQEn     = lazyRegexp(`^(?:q([1-4])(\d{4})|(\d{4})q([1-4]))$`)
	reHalf    = lazyRegexp(`^(\d{4})年?(上半年|下半年)$`)
	reYearRng = lazyRegexp(`^(\d{4})年?-(\d{4})年?$`)
	reEnMonth = lazyRegexp(`^(?:endof)?([a-z]+)(\d{4})$`)
	reEndOf   = lazyRegexp(`^endof(\d{4})$`)
)

var quarterNum = map[string]int{"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}

var enMonths = map[string]time.Month{
	"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
	"may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
	"september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}

func monthEnd(y int, m time.Month) time.Time {
	return time.Date(y, m+1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
}

func plausibleYear(y int) bool { return y >= 1900 && y <= 2200 }

// ParseDate reads a deadline as people type it: "2021-12-31", "2021/12/31",
// "2021.12", "2021年12月", "2021年12月底", "2021年底", "2021年12月31日前",
// "2021年第三季度" (the quarter's last day), "2020—2021年" (the range's end),
// and "长期坚持" or "持续推进" for ongoing work. A month or a year means its
// last day. Blank text gives a zero Date and no error.
func ParseDate(s string) (Date, error) {
	t := strings.ToLower(squeeze(fold(s)))
	if noValue[t] {
		return Date{}, nil
	}
	for _, w := range ongoingWords {
		if t == w {
			return Date{Ongoing: true}, nil
		}
	}
	if strings.ContainsAny(t, ",，、") { // the replacer copies even where it finds none
		t = dateSeparators.Replace(t)
	}
	t = trimDateWords(t)
	// A range ends where its last part does.
	for _, sep := range []string{"——", "—", "–", "～", "~", "至", "到"} {
		if i := strings.LastIndex(t, sep); i > 0 {
			last := t[i+len(sep):]
			if !strings.Contains(last, "年") && strings.Contains(t[:i], "年") && strings.Contains(last, "月") {
				// "2021年3月—6月": the year comes from the start.
				last = t[:strings.Index(t, "年")+len("年")] + last
			}
			return ParseDate(last)
		}
	}
	for _, f := range dateForms {
		if m := f.re().FindStringSubmatch(t); m != nil {
			return f.date(m)
		}
	}
	return Date{}, ErrValue
}

// trimDateWords drops the words around a deadline that do not move it:
// "2021年底前完成", "截至2021年6月", "by 2021".
func trimDateWords(t string) string {
	for _, suf := range []string{"以前", "之前", "前", "完成", "止", "为止", "内", "before", "by"} {
		if len(t) > len(suf)+4 {
			t = strings.TrimSuffix(t, suf)
		}
	}
	t = strings.TrimPrefix(t, "by")
	t = strings.TrimPrefix(t, "截至")
	return strings.TrimPrefix(t, "截止")
}

// dateForms are the forms of a date, tried in order; the first whose
// pattern matches decides.
var dateForms = []struct {
	re   func() *regexp.Regexp
	date func(m []string) (Date, error)
}{
	{reYearRng, func(m []string) (Date, error) { return yearEnd(atoi(m[2])) }},
	{reYMD, func(m []string) (Date, error) {
		y, mo, d := atoi(m[1]), atoi(m[2]), atoi(m[3])
		if !plausibleYear(y) || mo < 1 || mo > 12 || d < 1 || d > monthEnd(y, time.Month(mo)).Day() {
			return Date{}, ErrValue
		}
		return Date{Time: time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)}, nil
	}},
	{reYMPart, func(m []string) (Date, error) {
		y, mo := atoi(m[1]), atoi(m[2])
		if !plausibleYear(y) || mo < 1 || mo > 12 {
			return Date{}, ErrValue
		}
		d := 10
		if m[3] == "中旬" {
			d = 20
		}
		return Date{Time: time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)}, nil
	}},
	{reYM, func(m []string) (Date, error) {
		y, mo := atoi(m[1]), atoi(m[2])
		if !plausibleYear(y) || mo < 1 || mo > 12 {
			return Date{}, ErrValue
		}
		return Date{Time: monthEnd(y, time.Month(mo))}, nil
	}},
	{reY, func(m []string) (Date, error) { return yearEnd(atoi(m[1])) }},
	{reQuarter, func(m []string) (Date, error) { return quarterEnd(atoi(m[1]), quarterNum[m[2]]) }},
	{reQEn, func(m []string) (Date, error) {
		if m[1] != "" {
			return quarterEnd(atoi(m[2]), quarterNum[m[1]])
		}
		return quarterEnd(atoi(m[3]), quarterNum[m[4]])
	}},
	{reHalf, func(m []string) (Date, error) {
		y := atoi(m[1])
		if !plausibleYear(y) {
			return Date{}, ErrValue
		}
		if m[2] == "上半年" {
			return Date{Time: monthEnd(y, time.June)}, nil
		}
		return Date{Time: monthEnd(y, time.December)}, nil
	}},
	{reEndOf, func(m []string) (Date, error) { return yearEnd(atoi(m[1])) }},
	{reEnMonth, func(m []string) (Date, error) {
		if mo, ok := enMonths[m[1]]; ok && plausibleYear(atoi(m[2])) {
			return Date{Time: monthEnd(atoi(m[2]), mo)}, nil
		}
		return Date{}, ErrValue
	}},
}

// atoi reads the digits a date pattern matched; a pattern's digit groups
// are never empty or too long for an int.
func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}

func yearEnd(y int) (Date, error) {
	if !plausibleYear(y) {
		return Date{}, ErrValue
	}
	return Date{Time: time.Date(y, time.December, 31, 0, 0, 0, 0, time.UTC)}, nil
}

func quarterEnd(y, q int) (Date, error) {
	if !plausibleYear(y) || q < 1 || q > 4 {
		return Date{}, ErrValue
	}
	return Date{Time: monthEnd(y, time.Month(q*3))}, nil
}

// DateFromCell reads a deadline from a cell: an Excel serial where the cell
// holds a number formatted as a date (or one in the range of this century's
// serials), a bare year such as 2021, a number typed as 2021.12, or text.
func DateFromCell(c Cell, date1904 bool) (Date, error) {
	if !c.Number {
		return ParseDate(c.Text)
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(c.Text), 64)
	if err != nil {
		return ParseDate(c.Text)
	}
	if c.Format != FormatDate && v >= 1900 && v < 2201 {
		// 2021 or 2021.12 typed into a General cell.
		return ParseDate(strings.TrimSpace(c.Text))
	}
	if c.Format == FormatDate || (v >= 36526 && v < 73051) { // 2000-01-01 to 2099-12-31
		if t, ok := SerialToTime(v, date1904); ok {
			return Date{Time: t}, nil
		}
	}
	return Date{}, ErrValue
}

// SerialToTime converts an Excel serial day number to a date, dropping the
// time of day.
func SerialToTime(v float64, date1904 bool) (time.Time, bool) {
	if math.IsNaN(v) || v < 1 || v > 2958465 {
		return time.Time{}, false
	}
	days := int(math.Floor(v))
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if date1904 {
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	} else if days < 61 {
		// Excel counts a 29 February 1900 that never was.
		base = base.AddDate(0, 0, 1)
	}
	return base.AddDate(0, 0, days), true
}

// TimeToSerial is the inverse of SerialToTime: t's date and time as
// Excel's serial number, by t's own clock, in days since 1899-12-30
// (Excel's count for dates from March 1900, which is all a campaign's can
// be) or, in a workbook on the 1904 date system, since 1904-01-01.
func TimeToSerial(t time.Time, date1904 bool) float64 {
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if date1904 {
		epoch = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	y, m, d := t.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(epoch).Hours() / 24
	since := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second + time.Duration(t.Nanosecond())
	return day + since.Hours()/24
}

// DisplayWidth counts a text's width in narrow columns, as a terminal or
// a spreadsheet's column shows it: CJK characters take two.
func DisplayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// lazyRegexp compiles expr when first used, not at start: most commands
// (help, serve, a check of another kind of sheet) use few of these, and
// compiling them all cost every start about a millisecond.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
