// Innoreport checks and reports a science and technology bureau's
// innovative-city workbook: its responsibility list (sections, tasks,
// deadlines, lead units, progress) and its indicator system (baselines,
// targets, values reached).
//
// Usage:
//
//	innoreport check [flags] [WORKBOOK.xlsx]
//	innoreport build [flags] [WORKBOOK.xlsx]
//	innoreport watch [flags] INBOX
//	innoreport split [flags] [MASTER.xlsx]
//	innoreport collect [flags] MASTER.xlsx RETURN.xlsx...
//	innoreport remind [flags] MASTER.xlsx
//	innoreport history [flags]
//	innoreport serve [flags]
//	innoreport users add [-file FILE] [-role bureau] NAME
//	innoreport help
//
// With no WORKBOOK the built-in sample (samples/neijiang-2021.xlsx) is used.
// The workbook is read as people type it: title rows, two-row headers,
// merged section columns, dates such as "2021年12月底" and figures such as
// "46个". It is never written to.
//
// Check prints a summary and one line a finding, each at its cell:
//
//	$ innoreport check
//	工作簿    neijiang-2021.xlsx（内置样例 built-in sample）
//	…
//	任务  39 项，9 个板块：已完成 28，超进度 2，达进度 1，欠进度 5，逾期 2，未启动 1；完成率 71.8%
//	…
//	任务清单!A27  error    duplicate-id           序号“22”与 任务清单!A26 重复，请重新编号
//
// Build writes OUT/<name>-report.pdf, the report for the city's leaders,
// OUT/<name>-updated.xlsx, the workbook with the results written in, and
// OUT/<name>-report.docx, the report as a 公文-style Word document the
// bureau edits and issues:
//
//	$ innoreport build -out reports 任务清单.xlsx
//	reports/任务清单-report.pdf
//	reports/任务清单-updated.xlsx
//	reports/任务清单-report.docx
//
// Watch builds every workbook dropped into INBOX, files it under
// INBOX/done or INBOX/failed, and with -mail-to emails the report:
//
//	$ INNOREPORT_SMTP_URL=smtp://kjj:pw@mail.gov.cn:587 INNOREPORT_MAIL_FROM=kjj@gov.cn \
//	    innoreport watch -mail-to leader@gov.cn /srv/innoreport/inbox
//
// The report names the city and the office the workbook names, in its
// title rows ("填报单位：…") or document properties; -format json shows them
// as identity, each with its source.
//
// Split writes one return workbook per lead unit, its fillable cells
// unlocked and the rest locked, with a marker; collect merges the filled
// returns into OUT/<master>-collected.xlsx with a 报送情况 sheet; remind
// mails the units that have not reported, once per period:
//
//	$ innoreport split -deadline 2022-01-10 任务清单.xlsx
//	$ innoreport collect 任务清单.xlsx 收到的报表/*.xlsx
//	$ innoreport remind -deadline 2022-01-10 任务清单.xlsx
//
// Flags may come before or after the workbook. Flags of every command that
// reads a workbook:
//
//	-template FILE   YAML template (default: the built-in one, which reads
//	                 any bureau's workbook; a template may fix the city,
//	                 the office and the title the workbook otherwise gives)
//	-as-of DATE      assess at this date (default: the date the workbook
//	                 declares, "截至2021年12月31日", else today)
//	-lang zh|en      language of messages, report and sheets (default zh)
//	-format text|json
//	-password PW     password of an encrypted workbook
//	-max-rows N, -max-sheets N, -max-unzip-mb N, -max-file-mb N   reading limits
//
// check: -fail-on error|warning|never (default error).
// build: -out DIR (default out), -font FILE.ttf, -annotate=false,
// -fail-on (default never), -mail-to A,B, -mail-workbook,
// -formats pdf,xlsx,docx (the outputs; all three by default),
// -docx-template FILE.docx (the bureau's reference document: its styles,
// 红头 masthead and page setup, filled with the report where a paragraph
// holds {{正文}}, else after what its body holds), -db PATH (the period
// archive, default OUT/innoreport.db; none keeps nothing),
// -compare DATE|FILE.xlsx|none.
// watch: the build flags, and -out DIR (default INBOX/out), -state DIR
// (the watcher's own folder, outside INBOX and -out), -jobs N, -settle
// DURATION (default 2s), -incomplete-wait, -build-timeout, -retry,
// -notify-to A,B, -log-format text|json, -master FILE.xlsx (collect each
// return dropped into INBOX into this master, build its report, mail the
// unit a receipt).
// history: -db PATH, -format text|json, -campaign KEY,
// -export AS_OF -out DIR.
// split: -out DIR (default returns), -deadline DATE, -link-base URL -state
// DIR (list each unit's serve link, derived from serve's state folder).
// collect: -out DIR (default out), -db PATH, -deadline DATE, -fail-on.
// remind: -out DIR, -db PATH, -deadline DATE, -dry-run, -returns DIR,
// -link-base URL -state DIR (each mail carries its unit's serve link).
// serve: the build flags but -mail-to, and -addr HOST:PORT (default
// 127.0.0.1:8080), -users FILE, -state DIR, -tls-cert FILE -tls-key FILE,
// -trust-proxy, -workers N, -master FILE (the units' returns: each unit's
// link /u/TOKEN, HMAC of campaign and unit under STATE/unit-token.key,
// signs in a role that sees only its return page; returns are collected
// as collect does, refused while they have errors, each unit mailed a
// receipt; the bureau's 报送情况 page updates itself and reminds the rest
// as remind does), -link-base URL (the links' address). users add reads
// the password from standard
// input and prints the new API token once.
//
// Mail settings come from INNOREPORT_SMTP_URL (smtp:// with STARTTLS, or
// smtps://) and INNOREPORT_MAIL_FROM; no password on the command line.
// SOURCE_DATE_EPOCH fixes the date a report says it was made, so the same
// input gives the same PDF and Word document.
//
// Exit status: 0 done, with no finding at the -fail-on level; 1 at least
// one finding at that level; 2 the workbook could not be read, the command
// line or set-up is wrong, or a mail could not be sent (it stays queued)
// or was refused by the server.
package main
