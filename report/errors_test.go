package report

import "testing"

// An upload refused before its name was read has no file to name: the
// message starts with what is over the limit, not with ": ".
func TestLimitErrorWithoutName(t *testing.T) {
	m := (&LimitError{What: MeasureFileMB, Limit: 1, Flag: "-max-file-mb"}).Message()
	if want := "文件大小超过上限 1 MB（可用 -max-file-mb 调整）"; m.Zh != want {
		t.Errorf("zh = %q, want %q", m.Zh, want)
	}
	if want := "the file's size is over the limit of 1 MB (raise it with -max-file-mb)"; m.En != want {
		t.Errorf("en = %q, want %q", m.En, want)
	}
}
