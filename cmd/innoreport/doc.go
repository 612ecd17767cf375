// Innoreport checks and reports a science and technology bureau's
// innovative-city workbook: its responsibility list (sections, tasks,
// deadlines, lead units, progress) and its indicator system (baselines,
// targets, values reached).
//
// Usage:
//
//	innoreport check [flags] [WORKBOOK.xlsx]
//	innoreport help
//
// With no WORKBOOK the built-in sample (samples/neijiang-2021.xlsx) is used.
// The workbook is read as people type it: title rows, two-row headers,
// merged section columns, dates such as "2021年12月底" and figures such as
// "46个". It is never written to.
//
// Check prints a summary and one line a finding, each at its cell:
//
//	$ innoreport check -as-of 2021-12-31
//	工作簿  neijiang-2021.xlsx（内置样例）
//	…
//	任务  39 项，9 个板块：已完成 28 …
//	任务清单!A27   错误  duplicate-id  序号“22”与 任务清单!A26 重复，请重新编号
//
// Flags:
//
//	-template FILE   YAML template (default: the built-in Neijiang one)
//	-as-of DATE      assess at this date (default: the date the workbook
//	                 declares, "截至2021年12月31日", else today)
//	-lang zh|en      language of messages (default zh)
//	-format text|json
//	-fail-on error|warning|never   exit 1 when a finding reaches this level
//	-password PW     password of an encrypted workbook
//	-max-rows N, -max-sheets N, -max-unzip-mb N   reading limits
//
// Exit status: 0 no finding at the -fail-on level, 1 at least one, 2 the
// workbook could not be read or the command line is wrong.
package main
