package report

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors, matched with errors.Is at the command's edge to pick an
// exit code and advice.
var (
	ErrTemplate    = errors.New("report: invalid template")
	ErrNotWorkbook = errors.New("report: not an xlsx workbook")
	ErrMissingFile = errors.New("report: no such file")
	ErrLegacyXLS   = errors.New("report: legacy .xls/.et workbook")
	ErrEncrypted   = errors.New("report: workbook is encrypted")
	ErrPassword    = errors.New("report: wrong password")
	ErrLimit       = errors.New("report: workbook exceeds a limit")
)

// Ref joins a sheet and a cell the way Excel writes a reference.
func Ref(sheet, cell string) string {
	if cell == "" {
		return sheet
	}
	return sheet + "!" + cell
}

// Text is a message in both of the report's languages.
type Text struct {
	Zh string `json:"zh"`
	En string `json:"en"`
}

// In picks the language: English for En, Chinese for anything else.
func (t Text) In(lang Lang) string {
	if lang == En {
		return t.En
	}
	return t.Zh
}

// BilingualError is an error whose message exists in Chinese and English.
type BilingualError struct {
	Msg Text
	Err error // sentinel, for errors.Is
}

func (e *BilingualError) Error() string { return e.Msg.Zh + " / " + e.Msg.En }
func (e *BilingualError) Unwrap() error { return e.Err }

// Message returns the bilingual message of the first error in err's chain
// that has one: a BilingualError, a LimitError.
func Message(err error) (Text, bool) {
	var m interface{ Message() Text }
	if errors.As(err, &m) {
		return m.Message(), true
	}
	return Text{}, false
}

// Message is the error's text in both languages.
func (e *BilingualError) Message() Text { return e.Msg }

// Measure is what a limit bounds.
type Measure uint8

const (
	MeasureFileMB Measure = iota
	MeasureUnzipMB
	MeasureSeconds
	MeasureSheets
	MeasureRows
	MeasureColumns
	MeasureCellChars
	MeasureBuildSeconds
)

func _() {
	// An "invalid array index" compiler error signifies that the constant values have changed.
	var x [1]struct{}
	_ = x[MeasureFileMB-0]
	_ = x[MeasureUnzipMB-1]
	_ = x[MeasureSeconds-2]
	_ = x[MeasureSheets-3]
	_ = x[MeasureRows-4]
	_ = x[MeasureColumns-5]
	_ = x[MeasureCellChars-6]
	_ = x[MeasureBuildSeconds-7]
}

// measures say what is over the limit and in what unit.
var measures = [...]struct{ what, unit Text }{
	{Text{"文件大小", "the file's size"}, Text{" MB", " MB"}},
	{Text{"解压后大小", "the unpacked size"}, Text{" MB", " MB"}},
	{Text{"读取时间", "reading"}, Text{" 秒", " s"}},
	{Text{"工作表数", "the number of sheets"}, Text{" 个", ""}},
	{Text{"行数", "the number of rows"}, Text{" 行", ""}},
	{Text{"列数", "the number of columns"}, Text{" 列", ""}},
	{Text{"单元格字符数", "a cell's characters"}, Text{" 个字符", " characters"}},
	{Text{"生成时间", "the build's time"}, Text{" 秒", " s"}},
}

// LimitError is an input over one of the limits that keep a run's
// memory and time bounded, as encoding/csv's ParseError is a parse
// failure: one type for the family, the kind from errors.Is (ErrLimit).
type LimitError struct {
	Name  string  // the file, as the user gave it
	Where string  // the sheet or cell over the limit, "" for the whole file
	What  Measure // what is bounded
	Limit int64   // the limit, in What's unit
	Flag  string  // the flag that raises it, "" where none does
}

// Message says what is over which limit, and how to raise it.
func (e *LimitError) Message() Text {
	m := measures[e.What]
	where := strings.TrimSpace(e.Name + " " + e.Where)
	if where != "" {
		where += ": " // an upload refused before its name was read has none
	}
	msg := Text{
		fmt.Sprintf("%s%s超过上限 %d%s", where, m.what.Zh, e.Limit, m.unit.Zh),
		fmt.Sprintf("%s%s is over the limit of %d%s", where, m.what.En, e.Limit, m.unit.En),
	}
	if e.Flag != "" {
		msg.Zh += "（可用 " + e.Flag + " 调整）"
		msg.En += " (raise it with " + e.Flag + ")"
	}
	return msg
}

func (e *LimitError) Error() string { m := e.Message(); return m.Zh + " / " + m.En }
func (e *LimitError) Unwrap() error { return ErrLimit }
