package main

import (
	"flag"
	"path/filepath"

	"innoreport/publish"
	"innoreport/report"
)

// archiveFlags are build's flags for the period archive.
type archiveFlags struct {
	db      string // the database; "" is OUT/innoreport.db, "none" keeps nothing
	compare string // "" the latest earlier period; a date; a workbook; "none"
}

func (a *archiveFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&a.db, "db", "", "存档数据库 / the period archive `PATH` (默认 default: OUT/innoreport.db; none: 不存档 keep nothing)")
	fs.StringVar(&a.compare, "compare", "", "与哪一期比较 / compare with `DATE|FILE.xlsx|none` (默认 default: 存档中的上一期 the latest earlier archived period)")
}

// validate checks -db and -compare before any workbook is read.
func (a *archiveFlags) validate() error {
	c := a.compare
	if c == "" || c == "none" || publish.IsWorkbook(c) {
		return nil
	}
	if d, err := report.ParseDate(c); err != nil || !d.OK() {
		return usagef("-compare %q 不是日期、工作簿或 none", "-compare %q is not a date, a workbook or none", c)
	}
	if a.db == "none" {
		return usagef("-compare 日期需要存档，不能与 -db none 同用", "-compare DATE needs the archive: not with -db none")
	}
	return nil
}

// path is where the archive lives for outputs in dir; "" keeps nothing.
func (a *archiveFlags) path(dir string) string {
	switch a.db {
	case "":
		return filepath.Join(dir, "innoreport.db")
	case "none":
		return ""
	}
	return a.db
}

// archivePath is where the archive lives for outputs in dir.
func (b *buildFlags) archivePath(dir string) string { return b.archive.path(dir) }
