package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// parseFlags parses a subcommand's flags wherever they stand, before or
// after the workbook (`check book.xlsx -format json`), as a newcomer types
// them; "--" ends the flags. fs.Args() is then the positional arguments.
// A mistyped flag is one line naming the nearest flag, not the whole list.
func parseFlags(fs *flag.FlagSet, args []string) error {
	usage, out := fs.Usage, fs.Output()
	// flag prints its own error and the whole list before returning it;
	// the one line is printed by the caller instead.
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	defer func() { fs.Usage = usage; fs.SetOutput(out) }()
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(out)
				usage()
				return errHelp
			}
			return flagError(fs, err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	// Parse again with nothing but positional arguments, so that fs.Args
	// holds them; the flags keep the values already set.
	return fs.Parse(append([]string{"--"}, pos...))
}

// flagError words flag's error in both languages, with the nearest flag
// for one it does not know.
func flagError(fs *flag.FlagSet, err error) error {
	msg := err.Error()
	name, unknown := strings.CutPrefix(msg, "flag provided but not defined: -")
	if !unknown {
		return usagef("参数有误：%s", "bad flag: %s", msg)
	}
	best, bestD := "", 1<<30
	fs.VisitAll(func(f *flag.Flag) {
		if d := distance(strings.TrimLeft(name, "-"), f.Name); d < bestD {
			best, bestD = f.Name, d
		}
	})
	if best != "" && bestD <= max(2, utf8.RuneCountInString(name)/3) {
		return usagef("没有参数 -%s，是否想用 -%s？", "there is no flag -%s: did you mean -%s?", name, best)
	}
	return usagef("没有参数 -%s，运行 innoreport %s -h 查看全部参数", "there is no flag -%s: run 'innoreport %s -h' for the flags",
		name, fs.Name())
}

// parseCommand sets fs's usage line, parses args and checks -fail-on: the
// start every subcommand that reads a workbook shares.
func parseCommand(fs *flag.FlagSet, usageLine string, args []string, failOn *string, stderr io.Writer) error {
	fs.Usage = func() {
		fmt.Fprint(stderr, "用法 / usage: "+usageLine+"\n\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return failLevel(*failOn, nil)
}

// distance is the edit distance between a and b.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
