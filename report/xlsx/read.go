// Package xlsx reads the bureau's workbook into report's grids: the
// package's XML is streamed a sheet at a time, every byte counted against
// the limits, and what cannot be read is refused with one clear line. It
// knows nothing of the checks or their results; report/xlsx/updated
// writes the updated workbook.
package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf16"

	"innoreport/report"
)

// Limits bound what a workbook may ask of the reader. Each is named, with
// the flag that raises it, in the error when hit.
type Limits struct {
	UnzipSize int64         // bytes, the whole package unpacked (-max-unzip-mb)
	Sheets    int           // (-max-sheets)
	Rows      int           // per sheet (-max-rows)
	Cols      int           // per row (-max-cols)
	CellChars int           // characters in one cell (-max-cell-chars)
	Time      time.Duration // reading one workbook (-max-seconds)
}

// DefaultLimits fit a province's workbook of 100,000 tasks with room to
// spare, and refuse the zip bombs of the test corpus at once.
var DefaultLimits = Limits{
	UnzipSize: 256 << 20,
	Sheets:    256,
	Rows:      1_048_576,
	Cols:      16_384,
	CellChars: 32_767, // Excel's own limit
	Time:      60 * time.Second,
}

// withDefaults fills the limits left zero.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.UnzipSize > 0 {
		d.UnzipSize = l.UnzipSize
	}
	if l.Sheets > 0 {
		d.Sheets = l.Sheets
	}
	if l.Rows > 0 {
		d.Rows = l.Rows
	}
	if l.Cols > 0 {
		d.Cols = l.Cols
	}
	if l.CellChars > 0 {
		d.CellChars = l.CellChars
	}
	if l.Time > 0 {
		d.Time = l.Time
	}
	return d
}

// Options steer reading.
type Options struct {
	Password string
	Limits   Limits
}

var (
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	zipMagic = []byte("PK\x03\x04")
)

// Open reads the workbook at path. The file is only read, never written.
func Open(path string, opts Options) (*report.Workbook, error) {
	data, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Read(filepath.Base(path), data, opts)
}

// ReadFile reads a workbook's bytes, with an error a user can act on.
func ReadFile(path string) ([]byte, error) {
	if path == "" { // an empty argument, as a script's unset variable gives
		return nil, &report.BilingualError{Err: report.ErrMissingFile, Msg: report.Text{
			Zh: "文件名是空的，请给出工作簿的路径", En: "the file name is empty: give the workbook's path"}}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, inputError(path, report.ErrMissingFile, "文件不存在，请检查路径和文件名", "no such file: check the path and the name")
		}
		return nil, inputError(path, report.ErrNotWorkbook, "无法读取文件："+err.Error(), "cannot read the file: "+err.Error())
	}
	return data, nil
}

func inputError(name string, sentinel error, zh, en string) error {
	return &report.BilingualError{Msg: report.Text{Zh: name + ": " + zh, En: name + ": " + en}, Err: sentinel}
}

// sniff tells what kind of file data is before excelize sees it, so that a
// user learns what to do rather than "zip: not a valid zip file".
func sniff(name string, data []byte, password string) error {
	switch {
	case len(data) == 0:
		return inputError(name, report.ErrNotWorkbook, "文件是空的（0 字节），请重新导出工作簿",
			"the file is empty (0 bytes): export the workbook again")
	case bytes.HasPrefix(data, oleMagic):
		if isEncryptedOOXML(data) {
			if password == "" {
				return inputError(name, report.ErrEncrypted, "工作簿已加密，请用 -password 提供密码",
					"the workbook is encrypted: give its password with -password")
			}
			return nil
		}
		return inputError(name, report.ErrLegacyXLS, "这是旧版 .xls/.et 工作簿，请在 Excel 或 WPS 中“另存为” .xlsx 后重试",
			"this is a legacy .xls/.et workbook: save it as .xlsx in Excel or WPS and try again")
	case !bytes.HasPrefix(data, zipMagic):
		kind := guessKind(data)
		return inputError(name, report.ErrNotWorkbook, "不是 .xlsx 工作簿（"+kind.Zh+"），请在 Excel 或 WPS 中另存为 .xlsx",
			"not an .xlsx workbook ("+kind.En+"): save it as .xlsx in Excel or WPS")
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return inputError(name, report.ErrNotWorkbook, "文件已损坏（zip 结构不完整），请重新保存或重新发送",
			"the file is damaged (broken zip): save or send it again")
	}
	has := map[string]bool{}
	for _, f := range zr.File {
		has[strings.ToLower(f.Name)] = true
	}
	switch {
	case has["xl/workbook.xml"]:
		return nil
	case has["xl/workbook.bin"]:
		return inputError(name, report.ErrNotWorkbook, "这是 .xlsb 二进制工作簿，请另存为 .xlsx",
			"this is an .xlsb binary workbook: save it as .xlsx")
	case has["content.xml"] || has["mimetype"]:
		return inputError(name, report.ErrNotWorkbook, "这是 OpenDocument (.ods) 表格，请另存为 .xlsx",
			"this is an OpenDocument (.ods) spreadsheet: save it as .xlsx")
	}
	return inputError(name, report.ErrNotWorkbook, "是 zip 文件但不含工作簿（缺少 xl/workbook.xml），请在 Excel 或 WPS 中另存为 .xlsx",
		"a zip file with no workbook in it (no xl/workbook.xml): save it as .xlsx in Excel or WPS")
}

// guessKind names what a file that is no zip seems to be.
func guessKind(data []byte) report.Text {
	head := strings.ToLower(string(data[:min(len(data), 512)]))
	switch {
	case strings.Contains(head, "<html") || strings.Contains(head, "<table"):
		return report.Text{Zh: "看起来是网页/HTML", En: "it looks like HTML"}
	case strings.HasPrefix(head, "<?xml"):
		return report.Text{Zh: "看起来是 XML 表格", En: "it looks like an XML spreadsheet"}
	case strings.HasPrefix(head, "%pdf"):
		return report.Text{Zh: "看起来是 PDF", En: "it looks like a PDF"}
	case looksText(data[:min(len(data), 512)]) && (strings.Count(head, ",") > 2 || strings.Count(head, "\t") > 2):
		return report.Text{Zh: "看起来是 CSV/文本", En: "it looks like CSV or text"}
	}
	return report.Text{Zh: "格式无法识别", En: "unknown format"}
}

// looksText reports whether b could be text in any of the encodings a
// CSV comes in (UTF-8, GBK): no NUL, and control characters other than
// tab and line ends under one in a hundred. Random or binary bytes have
// about one in eight, and commas enough to pass for CSV.
func looksText(b []byte) bool {
	ctl := 0
	for _, c := range b {
		switch {
		case c == 0:
			return false
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
			ctl++
		}
	}
	return ctl*100 < len(b)
}

// isEncryptedOOXML looks for the EncryptionInfo stream that an encrypted
// xlsx keeps in its OLE container; a legacy .xls has none.
func isEncryptedOOXML(data []byte) bool {
	name := utf16.Encode([]rune("EncryptionInfo"))
	b := make([]byte, 0, len(name)*2)
	for _, u := range name {
		b = append(b, byte(u), byte(u>>8))
	}
	return bytes.Contains(data, b)
}
