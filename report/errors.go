package report

import (
	"errors"
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

// In picks the language: "en" gives English, anything else Chinese.
func (t Text) In(lang string) string {
	if lang == "en" {
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
