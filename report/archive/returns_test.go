package archive

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// A database made at schema 1 (before returns) is upgraded in place, its
// periods kept; a return recorded twice is one return; and replacing a
// period does not collect the returns' workbooks as garbage.
func TestReturnsMigrationAndRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(migrations[0] + `; PRAGMA user_version = 1`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	a := open(t, path)
	if _, err := a.Record(ctx, period("k", "2021-09-30", 3), []byte("workbook v1")); err != nil {
		t.Fatal(err)
	}
	r := Return{Campaign: "k", Master: "m", Unit: "内江市财政局", File: "财政局.xlsx", Received: time.Date(2022, 1, 5, 9, 0, 0, 0, time.UTC)}
	book := []byte("return workbook")
	for i, want := range []bool{true, false} {
		later := r
		later.Received = r.Received.Add(time.Duration(i) * time.Hour)
		added, err := a.RecordReturn(ctx, later, book)
		if err != nil || added != want {
			t.Fatalf("record %d: added %v, %v; want %v", i, added, err, want)
		}
	}
	// The period replaced: its old workbook goes, the return's stays.
	if _, err := a.Record(ctx, period("k", "2021-09-30", 4), []byte("workbook v2")); err != nil {
		t.Fatal(err)
	}
	got, err := a.Returns(ctx, "k", "m")
	if err != nil || len(got) != 1 || !got[0].Received.Equal(r.Received) || got[0].SHA256 != Sum(book) || got[0].Unit != r.Unit {
		t.Fatalf("returns %+v, %v", got, err)
	}
	if data, err := a.Workbook(ctx, got[0].SHA256); err != nil || string(data) != string(book) {
		t.Errorf("the return's workbook: %q, %v", data, err)
	}
	if _, err := a.Workbook(ctx, Sum([]byte("workbook v1"))); err == nil {
		t.Errorf("the replaced period's workbook was kept")
	}
	if other, err := a.Returns(ctx, "k", "another master"); err != nil || len(other) != 0 {
		t.Errorf("another master's returns: %+v, %v", other, err)
	}
}
