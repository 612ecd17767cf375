package builtin

import "testing"

// TestTemplate checks that the first caller gets the template parsed at
// init and each later one a template of its own, all of them whole.
func TestTemplate(t *testing.T) {
	first := Template()
	second := Template()
	a, err := first()
	if err != nil {
		t.Fatal(err)
	}
	b, err := second()
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Error("two callers share one template")
	}
	if again, _ := first(); again != a {
		t.Error("a second call of one func returned another template")
	}
	if len(a.Sheets) == 0 || len(a.Sheets) != len(b.Sheets) {
		t.Errorf("templates of %d and %d sheets", len(a.Sheets), len(b.Sheets))
	}
	if len(early) != 0 {
		t.Error("the template parsed at init is still waiting")
	}
}
