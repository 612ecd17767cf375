// Package report holds innoreport's domain: the bureau's tasks and indicators,
// the template that says where to find them, the findings about them and the
// aggregates computed from them.
//
// It knows nothing of files, flags or output formats. Readers (report/xlsx)
// turn a workbook into [Sheet] grids; [Extract] finds the tables in them;
// [Check] and [Assess] produce findings and figures; writers render a
// [Result]. Subpackages depend on report, never the reverse.
package report
