package report

import "encoding/json"

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
func (r *Result) JSON(lang string) ([]byte, error) {
	type plain Result
	out := struct {
		*plain
		Lang     string        `json:"lang"`
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
		return nil, err
	}
	return append(b, '\n'), nil
}
