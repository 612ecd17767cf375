package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"innoreport/internal/watch"
	"innoreport/publish"
	"innoreport/samples"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func TestMain(m *testing.M) {
	// Child processes of the watch tests run the command itself.
	if os.Getenv("INNOREPORT_AS_MAIN") == "1" {
		// The tests that kill a watcher in the middle of a build slow
		// each build down, so the kill lands in one.
		if d, err := time.ParseDuration(os.Getenv("INNOREPORT_TEST_BUILD_DELAY")); err == nil {
			watchHook = slowBuilds(d)
		}
		main()
		return
	}
	testscript.Main(m, map[string]func(){
		"innoreport": func() {
			err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
			os.Exit(exitCode(err, os.Stderr))
		},
	})
}

// TestScripts runs the CLI end to end from testdata/script/*.txtar.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *update,
		Setup: func(env *testscript.Env) error {
			// An OLE2 header with no EncryptionInfo stream: a legacy .xls.
			ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 504)...)
			if err := os.WriteFile(filepath.Join(env.WorkDir, "old.xls"), ole, 0o444); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(env.WorkDir, "sample.xlsx"), samples.Workbook, 0o444)
		},
	})
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output; run go test ./cmd/innoreport -update and review the diff", path)
	}
}

func TestSampleJSONGolden(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"check", "-format", "json"}, &out, &errb)
	if code := exitCode(err, &errb); code != exitFindings {
		t.Fatalf("exit %d, want 1 (the sample has planted errors); stderr: %s", code, errb.String())
	}
	golden(t, "sample.json", out.Bytes())
}

func TestSamplePlantedFindings(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"check", "-fail-on", "never"}, &out, &errb)
	if err != nil {
		t.Fatal(err)
	}
	text := out.String()
	if !strings.Contains(text, "任务  39 项，9 个板块") {
		t.Errorf("summary does not say 39 tasks in 9 sections:\n%s", text)
	}
	for cell, rule := range samples.Planted() {
		found := false
		for _, line := range strings.Split(text, "\n") {
			f := strings.Fields(line)
			if len(f) >= 3 && f[0] == cell && f[2] == rule {
				found = true
			}
		}
		if !found {
			t.Errorf("planted %s at %s not reported:\n%s", rule, cell, text)
		}
	}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	notZip := filepath.Join(dir, "a.xlsx")
	os.WriteFile(notZip, []byte("hello"), 0o644)
	tests := []struct {
		args []string
		code int
		says string
	}{
		{[]string{"check", "-fail-on", "never"}, exitOK, ""},
		{[]string{"check"}, exitFindings, ""},
		{[]string{"check", "-fail-on", "warning", "-as-of", "2021-12-31"}, exitFindings, ""},
		{[]string{"check", filepath.Join(dir, "none.xlsx")}, exitInput, "no such file: check the path and the name (missing-file)"},
		{[]string{"check", "-fail-on", "never", "-format", "json", "--", "-not-a-flag.xlsx"}, exitInput, "-not-a-flag.xlsx: 文件不存在"},
		{[]string{"check", notZip}, exitInput, "not an .xlsx workbook"},
		{[]string{"check", "-lang", "fr"}, exitInput, "-lang must be zh or en"},
		{[]string{"check", "-fail-on", "sometimes"}, exitInput, "-fail-on must be"},
		{[]string{"check", "-as-of", "someday"}, exitInput, "is not a date"},
		{[]string{"check", "a.xlsx", "b.xlsx"}, exitInput, "give one workbook"},
		{[]string{"check", "-nope"}, exitInput, "there is no flag -nope: run 'innoreport check -h'"},
		{[]string{"check", "-formt", "json"}, exitInput, "there is no flag -formt: did you mean -format?"},
		{[]string{"check", "-max-rows", "many"}, exitInput, "bad flag: invalid value"},
		{[]string{"frobnicate"}, exitInput, "unknown subcommand"},
		{[]string{"chekc"}, exitInput, "did you mean check?"},
		{[]string{"build", "-compare", "bogus"}, exitInput, "is not a date, a workbook or none"},
		{[]string{"build", "-compare", "2021-09-30", "-db", "none"}, exitInput, "needs the archive"},
		{[]string{"check", "-template", filepath.Join(dir, "none.yaml")}, exitInput, "cannot read template"},
		{[]string{"help"}, exitOK, ""},
		{[]string{"check", "-h"}, exitOK, ""},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		err := run(context.Background(), tt.args, &out, &errb)
		code := exitCode(err, &errb)
		if code != tt.code || !strings.Contains(errb.String(), tt.says) {
			t.Errorf("%v: exit %d, stderr %q; want %d saying %q", tt.args, code, errb.String(), tt.code, tt.says)
		}
		if strings.Contains(errb.String(), "goroutine ") {
			t.Errorf("%v: stack trace on stderr", tt.args)
		}
	}
}

// BenchmarkBuildSample times the whole build of the sample's PDF, as the
// README reports it.
func BenchmarkBuildSample(b *testing.B) {
	dir := b.TempDir()
	b.Setenv("SOURCE_DATE_EPOCH", "1641340800")
	for b.Loop() {
		var out, errb bytes.Buffer
		if err := run(context.Background(), []string{"build", "-out", dir}, &out, &errb); err != nil {
			b.Fatal(err, errb.String())
		}
	}
}

// BenchmarkCheckSample times check alone, for the ratio build/check.
func BenchmarkCheckSample(b *testing.B) {
	for b.Loop() {
		var out, errb bytes.Buffer
		if err := run(context.Background(), []string{"check", "-fail-on", "never"}, &out, &errb); err != nil {
			b.Fatal(err)
		}
	}
}

// slowBuilds makes each of a watch's builds take d longer.
func slowBuilds(d time.Duration) func(*publish.Watch) {
	return func(w *publish.Watch) {
		build := w.Job
		w.Build = func(ctx context.Context, j watch.Job, dir string, withMail bool) error {
			time.Sleep(d)
			return build(ctx, j, dir, withMail)
		}
	}
}
