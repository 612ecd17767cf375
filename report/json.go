package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// findingJSON is a finding as the JSON output shows it: the message in the
// chosen language, and both languages beside it.
type findingJSON struct {
	Severity Severity `json:"severity"`
	Rule     string   `json:"rule"`
	Sheet    string   `json:"sheet"`
	Cell     string   `json:"cell"`
	Header   string   `json:"header,omitempty"`
	Value    string   `json:"value,omitempty"`
	Message  string   `json:"message"`
	Messages Text     `json:"messages"`
}

// JSON renders the result for `check -format json`, messages in lang.
func (r *Result) JSON(lang Lang) ([]byte, error) {
	var b bytes.Buffer
	if err := r.WriteJSON(&b, lang); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

var errJSONShape = errors.New("report: unexpected JSON layout")

// WriteJSON writes what JSON returns, byte for byte, without holding the
// whole document: the task list and the findings, which grow with the
// workbook, are encoded one element at a time into w.
func (r *Result) WriteJSON(w io.Writer, lang Lang) error {
	return r.writeJSON(w, lang, true)
}

// WriteJSONLines writes the same document as WriteJSON with each task and
// finding on a line of its own, not indented: for a reader that is a
// program (the archive), as the indenting was a twentieth of a large
// build's time.
func (r *Result) WriteJSONLines(w io.Writer, lang Lang) error {
	return r.writeJSON(w, lang, false)
}

func (r *Result) writeJSON(w io.Writer, lang Lang, indent bool) error {
	type plain Result
	head := *r
	head.TaskList, head.Findings = nil, nil
	out := struct {
		*plain
		Lang     Lang          `json:"lang"`
		Findings []findingJSON `json:"findings"`
	}{plain: (*plain)(&head), Lang: lang, Findings: []findingJSON{}}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	// Top-level keys are the only ones at two spaces after a newline;
	// string values never hold a raw newline.
	const tasksKey, findingsKey = "\n  \"task_list\": null", "\n  \"findings\": []\n}"
	i, j := bytes.Index(b, []byte(tasksKey)), bytes.LastIndex(b, []byte(findingsKey))
	if i < 0 || j < i || !bytes.HasSuffix(b, []byte(findingsKey)) {
		return errJSONShape
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(b[:i+len(tasksKey)-len("null")])
	if r.TaskList == nil {
		bw.WriteString("null")
	} else if err := writeArray(bw, r.TaskList, indent, func(t TaskResult) any { return t }); err != nil {
		return err
	}
	bw.Write(b[i+len(tasksKey) : j+len(findingsKey)-len("[]\n}")])
	err = writeArray(bw, r.Findings, indent, func(f Finding) any {
		return findingJSON{
			Severity: f.Severity, Rule: f.Rule, Sheet: f.Sheet, Cell: f.Cell, Header: f.Header,
			Value: f.Value, Message: f.Message.In(lang), Messages: f.Message,
		}
	})
	if err != nil {
		return err
	}
	bw.WriteString("\n}\n")
	return bw.Flush()
}

// writeArray writes items as a second-level array the way MarshalIndent
// with a two-space indent lays it out, or, not indented, an item a line.
func writeArray[T any](w *bufio.Writer, items []T, indent bool, conv func(T) any) error {
	if len(items) == 0 {
		_, err := w.WriteString("[]")
		return err
	}
	w.WriteString("[\n")
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if indent {
		enc.SetIndent("    ", "  ")
	}
	for k, it := range items {
		buf.Reset()
		if err := enc.Encode(conv(it)); err != nil {
			return err
		}
		w.WriteString("    ")
		w.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		if k < len(items)-1 {
			w.WriteString(",\n")
		} else {
			w.WriteString("\n  ]")
		}
	}
	return nil
}
