package report

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// marshalWhole is how the JSON was made before it was streamed: the whole
// document indented in memory. WriteJSON must give the same bytes.
func marshalWhole(t *testing.T, r *Result, lang Lang) []byte {
	t.Helper()
	type plain Result
	out := struct {
		*plain
		Lang     Lang          `json:"lang"`
		Findings []findingJSON `json:"findings"`
	}{plain: (*plain)(r), Lang: lang, Findings: []findingJSON{}}
	for _, f := range r.Findings {
		out.Findings = append(out.Findings, findingJSON{
			Severity: f.Severity, Rule: f.Rule, Sheet: f.Sheet, Cell: f.Cell, Header: f.Header,
			Value: f.Value, Message: f.Message.In(lang), Messages: f.Message,
		})
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func TestWriteJSONIsTheWholeDocumentsBytes(t *testing.T) {
	p := 42.5
	full := &Result{
		Workbook: "a<b>&\"c\"\n.xlsx", Title: "task_list\n  \"findings\": []\n}",
		Sheets:   map[string]string{"tasks": "任务"},
		TaskList: []TaskResult{{Row: 3, ID: "1", Name: "建设<平台>", Progress: &p}, {Row: 4, Name: "第二"}},
		Findings: []Finding{
			{Severity: 2, Rule: "r1", Sheet: "任务", Cell: "B3", Value: "x&y", Message: Text{Zh: "中", En: "en"}},
			{Rule: "r2", Message: Text{Zh: "二", En: "two"}},
		},
	}
	for name, r := range map[string]*Result{
		"full":        full,
		"empty":       {},
		"empty lists": {TaskList: []TaskResult{}, Findings: []Finding{}},
		"one each":    {TaskList: full.TaskList[:1], Findings: full.Findings[1:]},
	} {
		t.Run(name, func(t *testing.T) {
			for _, lang := range Langs {
				var got bytes.Buffer
				if err := r.WriteJSON(&got, lang); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				want := marshalWhole(t, r, lang)
				if !bytes.Equal(got.Bytes(), want) {
					t.Errorf("%s/%s: streamed JSON differs\n got %s\nwant %s", name, lang, got.Bytes(), want)
				}
				// The lines form: the same document, an element a line.
				var lines bytes.Buffer
				if err := r.WriteJSONLines(&lines, lang); err != nil {
					t.Fatalf("%s lines: %v", name, err)
				}
				var a, b any
				if err := json.Unmarshal(lines.Bytes(), &a); err != nil {
					t.Fatalf("%s/%s lines: %v\n%s", name, lang, err, lines.Bytes())
				}
				if err := json.Unmarshal(want, &b); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(a, b) {
					t.Errorf("%s/%s: lines form decodes differently\n got %s\nwant %s", name, lang, lines.Bytes(), want)
				}
				if n, items := bytes.Count(lines.Bytes(), []byte("\n")), len(r.TaskList)+len(r.Findings); lines.Len() >= len(want) && items > 0 || n > bytes.Count(want, []byte("\n")) {
					t.Errorf("%s/%s: lines form is not shorter (%d bytes, %d lines; indented %d, %d)", name, lang, lines.Len(), n, len(want), bytes.Count(want, []byte("\n")))
				}
			}
		})
	}
}
