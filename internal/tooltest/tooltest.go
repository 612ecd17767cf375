// Package tooltest finds the outside tools some tests need (poppler,
// qpdf, LibreOffice, gnumeric, python3 with openpyxl and pandas). A
// missing tool skips the test with a message naming its Debian package,
// except in CI, where .ci/run installs them and sets
// INNOREPORT_REQUIRE_TOOLS so that nothing skips unseen.
package tooltest

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Need returns the path of the command name, from Debian's package pkg.
func Need(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("INNOREPORT_REQUIRE_TOOLS") != "" {
			t.Fatalf("%s not found: install Debian's %s (.ci/run does)", name, pkg)
		}
		t.Skipf("%s not found: install Debian's %s to run this test", name, pkg)
	}
	return p
}

// NeedPython returns a python3 that imports every module (Debian's
// python3-MODULE packages): /usr/bin/python3 first, since a python3
// earlier on PATH (pyenv, a virtualenv) may lack Debian's modules.
func NeedPython(t testing.TB, modules ...string) string {
	t.Helper()
	imports := "import " + strings.Join(modules, ", ")
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(p)
		if err == nil && exec.Command(path, "-c", imports).Run() == nil {
			return path
		}
	}
	var pkgs []string
	for _, m := range modules {
		pkgs = append(pkgs, "python3-"+m)
	}
	msg := fmt.Sprintf("no python3 imports %s: install Debian's %s", strings.Join(modules, ", "), strings.Join(pkgs, " "))
	if os.Getenv("INNOREPORT_REQUIRE_TOOLS") != "" {
		t.Fatalf("%s (.ci/run does)", msg)
	}
	t.Skip(msg + " to run this test")
	return ""
}
