package web

import (
	"bytes"
	"fmt"
	"net/http"
	"time"

	"innoreport/report"
)

// vocabCSS colours the badges of the return states and the severities
// with the fills the updated workbook gives the same words, taken from
// the report's types: the page keeps no palette of its own. Dark text,
// as in the workbook, since the fills are light.
var vocabCSS = func() []byte {
	var b bytes.Buffer
	b.WriteString("/* Written by innoreport from report/vocab.go's colours. */\n")
	for _, s := range report.ReturnStates {
		fmt.Fprintf(&b, ".badge.state-%s { background: #%s; color: var(--ink); }\n", s, s.Color())
	}
	for _, s := range []report.Severity{report.Info, report.Warning, report.Error} {
		fmt.Fprintf(&b, ".badge.sev-%s { background: #%s; color: var(--ink); }\n", s, s.Fill())
	}
	return b.Bytes()
}()

// cssModTime is when the stylesheet was made, for conditional requests.
var cssModTime = time.Now()

func serveVocabCSS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	http.ServeContent(w, r, "", cssModTime, bytes.NewReader(vocabCSS))
}
