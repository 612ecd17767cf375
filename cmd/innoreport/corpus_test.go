package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"innoreport/internal/ooxmlcheck"
)

// corpusDir is shared/corpus beside the project: other libraries' test
// workbooks, broken, encrypted, foreign and hostile ones among them.
var corpusDir = filepath.Join("..", "..", "..", "shared", "corpus")

func needCorpus(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		if os.Getenv("INNOREPORT_REQUIRE_TOOLS") != "" {
			t.Fatalf("corpus not found at %s: CI copies shared/ beside the clone", corpusDir)
		}
		t.Skipf("corpus not found at %s: it lives beside the project in shared/corpus", corpusDir)
	}
}

var (
	reKind  = regexp.MustCompile(`\(([a-z-]+)\)\n?$`)
	reCrash = regexp.MustCompile(`(?m)^(panic: |fatal error: |goroutine \d+ \[)`)
)

// TestCorpus runs check on every corpus file in a child process with a
// time limit: no panic, no hang, exit 0, 1 or 2, and for 2 one line that
// says what the file is and what to do. Each file check reads is built
// too, the same way, and its updated workbook must be a sound package
// (see ooxmlcheck). What each file gets from check and from build is kept
// in testdata/corpus.tsv, so a change of behaviour shows as a diff.
func TestCorpus(t *testing.T) {
	needCorpus(t)
	var files []string
	for _, sub := range []string{"xlsx", "other"} {
		m, err := filepath.Glob(filepath.Join(corpusDir, sub, "*"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 600 {
		t.Fatalf("only %d corpus files found", len(files))
	}
	outcome := make([]string, len(files))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.NumCPU())
	for i, f := range files {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			outcome[i] = checkOne(t, f)
			if outcome[i] == "read" {
				outcome[i] += "\t" + buildOne(t, f)
			} else {
				outcome[i] += "\t-"
			}
		}()
	}
	wg.Wait()
	var b strings.Builder
	for i, f := range files {
		rel, _ := filepath.Rel(corpusDir, f)
		fmt.Fprintf(&b, "%s\t%s\n", filepath.ToSlash(rel), outcome[i])
	}
	got := b.String()
	path := filepath.Join("testdata", "corpus.tsv")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for _, l := range gl {
			if !slices.Contains(wl, l) {
				t.Errorf("now:    %s", l)
			}
		}
		for _, l := range wl {
			if !slices.Contains(gl, l) {
				t.Errorf("before: %s", l)
			}
		}
		t.Error("corpus outcomes changed: review, then go test ./cmd/innoreport -run Corpus -update")
	}
}

// checkOne runs check on one file and says what it got: "read", or
// "refused KIND".
func checkOne(t *testing.T, file string) string {
	return runOne(t, file, "check")
}

// buildOne runs build on one file into a temporary folder and says what
// it got: "built" when the updated workbook is sound, or "refused KIND".
func buildOne(t *testing.T, file string) string {
	dir := t.TempDir()
	got := runOne(t, file, "build", "-out", dir)
	if got != "read" {
		return got
	}
	books, _ := filepath.Glob(filepath.Join(dir, "*-updated.xls*"))
	if len(books) != 1 {
		t.Errorf("%s: build wrote %d updated workbooks", filepath.Base(file), len(books))
		return "no workbook"
	}
	data, err := os.ReadFile(books[0])
	if err != nil {
		t.Errorf("%s: %v", filepath.Base(file), err)
		return "error"
	}
	in, err := os.ReadFile(file)
	if err != nil {
		t.Errorf("%s: %v", filepath.Base(file), err)
		return "error"
	}
	if probs := added(ooxmlcheck.Problems(in), ooxmlcheck.Problems(data)); len(probs) > 0 {
		t.Errorf("%s: the updated workbook is not sound:\n%s", filepath.Base(file), strings.Join(probs[:min(len(probs), 10)], "\n"))
		return "unsound"
	}
	return "built"
}

// added lists the problems of an updated workbook in parts that were
// sound in its input. A broken part of the input (a fuzzer's garbage, a missing target) is
// carried through as it is, like every other part; but colours and
// namespaces innoreport answers for whatever the input held: it
// normalises the colours and makes Strict transitional.
func added(in, out []string) []string {
	broken := map[string]bool{} // parts of the input with a problem
	for _, p := range in {
		part, _, _ := strings.Cut(p, ": ")
		broken[part] = true
	}
	var res []string
	for _, p := range out {
		part, _, _ := strings.Cut(p, ": ")
		if !broken[part] || strings.Contains(p, "colour") || strings.Contains(p, "Strict") {
			res = append(res, p)
		}
	}
	return res
}

// runOne runs a command on one file in a child process and says what it
// got: "read" (exit 0 or 1), or "refused KIND".
func runOne(t *testing.T, file string, args ...string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], append(args, file)...)
	cmd.Env = append(os.Environ(), "INNOREPORT_AS_MAIN=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	name := filepath.Base(file)
	if ctx.Err() != nil {
		t.Errorf("%s: no answer within 60 s", name)
		return "hang"
	}
	if reCrash.MatchString(stderr.String()) {
		t.Errorf("%s: crashed:\n%s", name, stderr.String())
		return "panic"
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Errorf("%s: %v", name, err)
		return "error"
	}
	switch code {
	case 0, 1:
		return "read"
	case 2:
		msg := stderr.String()
		if args[0] == "build" {
			// build says what stage it is at first; the error is last.
			lines := strings.SplitAfter(strings.TrimSuffix(msg, "\n"), "\n")
			msg = lines[len(lines)-1] + "\n"
		}
		if strings.Count(msg, "\n") != 1 || !strings.Contains(msg, name) {
			t.Errorf("%s: exit 2 should say one line naming the file, said:\n%s", name, msg)
		}
		if m := reKind.FindStringSubmatch(msg); m != nil {
			return "refused " + m[1]
		}
		return "refused"
	}
	t.Errorf("%s: exit %d:\n%s", name, code, stderr.String())
	return fmt.Sprintf("exit %d", code)
}

// The zip bombs are refused without unpacking them: peak memory stays far
// below what unpacking would take. (Their time is measured by
// scripts/perf.sh, not asserted here.)
func TestBombsRefusedSmall(t *testing.T) {
	needCorpus(t)
	bombs, _ := filepath.Glob(filepath.Join(corpusDir, "xlsx", "synthetic__zipbomb*"))
	if len(bombs) == 0 {
		t.Fatal("no zip bombs in the corpus")
	}
	for _, f := range bombs {
		cmd := exec.Command(os.Args[0], "check", f)
		cmd.Env = append(os.Environ(), "INNOREPORT_AS_MAIN=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		cmd.Run()
		if cmd.ProcessState.ExitCode() != 2 || !strings.Contains(stderr.String(), "(limit)") {
			t.Errorf("%s: exit %d: %s", filepath.Base(f), cmd.ProcessState.ExitCode(), stderr.String())
		}
		if kb, ok := peakKB(cmd.ProcessState); ok && kb > 300*1024 {
			t.Errorf("%s: peak memory %d MB", filepath.Base(f), kb/1024)
		}
	}
}
