// Package builtin parses the built-in template while the other packages'
// inits still run, on a core they leave idle, so that a small build does
// not wait for it after its flags are read: about a millisecond of a
// 50 ms build. The command imports it; it is initialized as soon as the
// packages the template needs are, before the big ones' inits (excelize,
// the SQLite driver) that follow.
package builtin

import (
	"sync"
	"sync/atomic"

	"innoreport/report"
	"innoreport/templates"
)

type parsed struct {
	t   *report.Template
	err error
}

var (
	early   = make(chan parsed, 1)
	claimed atomic.Bool
)

func init() {
	go func() { early <- parse() }()
}

func parse() parsed {
	t, err := report.ParseTemplate(templates.BuiltinName, templates.Builtin)
	return parsed{t, err}
}

// Template returns a func that returns the built-in template, parsed. The
// first caller in a process gets the template parsed during init; every
// later one (tests, and serve and watch, which run many builds) a parse
// of its own, begun now on another goroutine, since a run's template is
// its own to change (column forms are cached in it).
func Template() func() (*report.Template, error) {
	if claimed.CompareAndSwap(false, true) {
		return wait(early)
	}
	c := make(chan parsed, 1)
	go func() { c <- parse() }()
	return wait(c)
}

// wait is the func that takes c's template, once, for any number of calls.
func wait(c chan parsed) func() (*report.Template, error) {
	return sync.OnceValues(func() (*report.Template, error) {
		p := <-c
		return p.t, p.err
	})
}
