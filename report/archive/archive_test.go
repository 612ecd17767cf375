package archive

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"innoreport/report"
)

var ctx = context.Background()

func open(t *testing.T, path string) *DB {
	t.Helper()
	a, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// result makes the JSON of a result with done of total tasks done.
func result(asOf string, done, total int) []byte {
	var d report.Day
	if err := d.UnmarshalText([]byte(asOf)); err != nil {
		panic(err)
	}
	s := report.Snapshot{AsOf: d, Workbook: "book.xlsx"}
	s.Tasks.Total, s.Tasks.Done = total, done
	s.Tasks.Rate = float64(done) / float64(total)
	for i := range total {
		st := report.StateBehind
		if i < done {
			st = report.StateDone
		}
		s.TaskList = append(s.TaskList, report.SnapTask{ID: strconv.Itoa(i + 1), Hash: "h" + strconv.Itoa(i), State: st})
	}
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return b
}

func period(key, asOf string, done int) Period {
	return Period{Campaign: Campaign{Key: key, City: "自贡市"}, AsOf: asOf, WorkbookName: "book.xlsx",
		Options: `{}`, Result: result(asOf, done, 10), Outputs: []Output{{Name: "r.pdf", SHA256: "ab", Size: 2}}}
}

func TestRecordPreviousAndReplace(t *testing.T) {
	a := open(t, filepath.Join(t.TempDir(), "a.db"))
	for _, p := range []struct {
		asOf string
		done int
		book string
	}{{"2021-06-30", 2, "q2"}, {"2021-09-30", 5, "q3"}, {"2021-09-30", 6, "q3 fixed"}} {
		if _, err := a.Record(ctx, period("zg", p.asOf, p.done), []byte(p.book)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Record(ctx, period("other", "2021-08-31", 9), []byte("o")); err != nil {
		t.Fatal(err)
	}
	ps, err := a.Periods(ctx, "zg")
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].AsOf != "2021-06-30" || ps[1].AsOf != "2021-09-30" {
		t.Fatalf("periods = %+v, want Q2 and one Q3", ps)
	}
	if ps[1].WorkbookSHA256 != Sum([]byte("q3 fixed")) || len(ps[1].Outputs) != 1 {
		t.Errorf("Q3 was not replaced by the later build: %+v", ps[1])
	}
	if _, err := a.Workbook(ctx, Sum([]byte("q3"))); err == nil {
		t.Error("the replaced workbook is still stored")
	}
	p, snap, ok, err := a.Previous(ctx, "zg", "2021-12-31")
	if err != nil || !ok {
		t.Fatalf("Previous: %v %v", ok, err)
	}
	if p.AsOf != "2021-09-30" || snap.Tasks.Done != 6 {
		t.Errorf("previous = %s with %d done, want 2021-09-30 with 6", p.AsOf, snap.Tasks.Done)
	}
	if _, _, ok, err := a.Previous(ctx, "zg", "2021-06-30"); ok || err != nil {
		t.Errorf("a period before the first: ok=%v err=%v", ok, err)
	}
	book, err := a.Workbook(ctx, Sum([]byte("q2")))
	if err != nil || string(book) != "q2" {
		t.Errorf("workbook = %q, %v", book, err)
	}
}

func TestReadBackIsChecked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	a := open(t, path)
	if _, err := a.Record(ctx, period("zg", "2021-06-30", 2), []byte("q2")); err != nil {
		t.Fatal(err)
	}
	// Someone with the file rewrites it behind innoreport's back.
	for name, stmt := range map[string]string{
		"workbook": `UPDATE blobs SET data = 'evil'`,
		"result":   `UPDATE periods SET result = '{"as_of":"2021-06-30","tasks":{"total":3,"done":9}}'`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := a.db.Exec(stmt); err != nil {
				t.Fatal(err)
			}
			var err error
			if name == "workbook" {
				_, err = a.Workbook(ctx, Sum([]byte("q2")))
			} else {
				_, _, _, err = a.Previous(ctx, "zg", "2021-12-31")
			}
			if err == nil {
				t.Fatal("a tampered record was believed")
			}
		})
	}
}

// A packed result reads back as the JSON packed; one archived plain, as
// before results were packed, reads as it is; a damaged pack is refused.
func TestPackedResult(t *testing.T) {
	a := open(t, filepath.Join(t.TempDir(), "a.db"))
	plain := period("zg", "2021-06-30", 2)
	packed := period("zg", "2021-09-30", 5)
	want := packed.Result
	var err error
	packed.Result, err = PackResult(func(w io.Writer) error { _, err := w.Write(want); return err })
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(packed.Result, want) || !bytes.HasPrefix(packed.Result, []byte{0x1f, 0x8b}) {
		t.Fatalf("PackResult did not pack: % x", packed.Result[:8])
	}
	for _, p := range []Period{plain, packed} {
		if _, err := a.Record(ctx, p, []byte("book")); err != nil {
			t.Fatal(err)
		}
	}
	ps, err := a.Periods(ctx, "zg")
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || !bytes.Equal(ps[0].Result, plain.Result) || !bytes.Equal(ps[1].Result, want) {
		t.Fatalf("read back %d periods, results not the JSON recorded", len(ps))
	}
	if _, err := a.db.Exec(`UPDATE periods SET result = X'1F8B0800DEAD' WHERE as_of = '2021-09-30'`); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Periods(ctx, "zg"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("a damaged pack read back with err = %v, want ErrCorrupt", err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	a := open(t, path)
	if _, err := a.db.Exec(`PRAGMA user_version = 99`); err != nil {
		t.Fatal(err)
	}
	a.Close()
	if _, err := Open(ctx, path); err == nil {
		t.Fatal("a database from a newer innoreport was opened")
	}
}

// An archive already at this schema is opened without being written.
func TestOpenUpToDateWritesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	open(t, path).Close()
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	open(t, path).Close()
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("opening an up-to-date archive changed it")
	}
	a := open(t, path)
	defer a.Close()
	var v int
	if err := a.db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v != len(migrations) {
		t.Errorf("schema version %d, want %d", v, len(migrations))
	}
}

// TestMain runs the child processes of the tests below when asked to,
// and the tests otherwise.
func TestMain(m *testing.M) {
	if path := os.Getenv("ARCHIVE_HELPER_DB"); path != "" {
		helperProcess(path)
	}
	os.Exit(m.Run())
}

// helperProcess writes twenty periods, or holds a write transaction open
// half done until it is killed.
func helperProcess(path string) {
	a, err := Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	who := os.Getenv("ARCHIVE_HELPER_WHO")
	if os.Getenv("ARCHIVE_HELPER_HANG") != "" {
		// Hold a write transaction open, half done, until killed.
		tx, err := a.db.Begin()
		if err != nil {
			os.Exit(3)
		}
		if _, err := tx.Exec(`INSERT INTO blobs (sha256, size, data) VALUES ('half', 4, 'half')`); err != nil {
			os.Exit(3)
		}
		fmt.Println("ready")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	for i := range 20 {
		asOf := time.Date(2021, 1, 1+i, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		if _, err := a.Record(ctx, period("c-"+who, asOf, i%10), []byte(who+asOf)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(4)
		}
	}
	os.Exit(0)
}

func child(t *testing.T, db string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), append(env, "ARCHIVE_HELPER_DB="+db)...)
	cmd.Stderr = os.Stderr
	return cmd
}

func TestTwoProcessesLoseNothing(t *testing.T) {
	db := filepath.Join(t.TempDir(), "a.db")
	open(t, db).Close() // made once, so both children only migrate an existing one
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = child(t, db, "ARCHIVE_HELPER_WHO="+strconv.Itoa(i)).Run()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	a := open(t, db)
	for _, who := range []string{"0", "1"} {
		ps, err := a.Periods(ctx, "c-"+who)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 20 {
			t.Errorf("writer %s: %d periods archived, want 20", who, len(ps))
		}
	}
}

func TestKilledMidWriteLeavesNoHalfRecord(t *testing.T) {
	db := filepath.Join(t.TempDir(), "a.db")
	a := open(t, db)
	if _, err := a.Record(ctx, period("zg", "2021-06-30", 2), []byte("q2")); err != nil {
		t.Fatal(err)
	}
	cmd := child(t, db, "ARCHIVE_HELPER_HANG=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 6)
	if _, err := out.Read(buf); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	var n int
	if err := a.db.QueryRow(`SELECT count(*) FROM blobs WHERE sha256 = 'half'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Error("the killed writer's half transaction is visible")
	}
	if _, err := a.Record(ctx, period("zg", "2021-09-30", 5), []byte("q3")); err != nil {
		t.Fatalf("the archive is not writable after a writer was killed: %v", err)
	}
	if ps, err := a.Periods(ctx, "zg"); err != nil || len(ps) != 2 {
		t.Errorf("periods after the kill: %d, %v", len(ps), err)
	}
}
