// Package tooltest finds the outside tools some tests need (poppler,
// qpdf, LibreOffice). A missing tool skips the test with a message naming
// its Debian package, except in CI, where .ci/run installs them and sets
// INNOREPORT_REQUIRE_TOOLS so that nothing skips unseen.
package tooltest

import (
	"os"
	"os/exec"
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
