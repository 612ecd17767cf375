package doc

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"
	"text/template"
	"text/template/parse"
	"time"

	"innoreport/report"
)

// A template's texts are the administrator's, but they run over each
// workbook dropped in: a text that nests range six deep over the tasks ran
// to 24 GB. So a text's execution is bounded before it starts (no calls
// to other templates; nested ranges may not multiply past textMaxWork
// iterations for this workbook), while it runs (textMaxOutput bytes) and
// in time (textMaxTime).
const (
	textMaxWork   = 1 << 24 // a single range over a sheet at Excel's row limit passes
	textMaxOutput = 64 << 10
	textMaxTime   = 5 * time.Second
)

var errTextOutput = errors.New("output over the limit")

// limitWriter fails a write past its limit, which stops the execution.
type limitWriter struct {
	buf   bytes.Buffer
	limit int
}

func (w *limitWriter) Write(p []byte) (int, error) {
	if w.buf.Len()+len(p) > w.limit {
		return 0, errTextOutput
	}
	return w.buf.Write(p)
}

func textError(src, name, zh, en string) error {
	return &report.BilingualError{Err: report.ErrTemplate, Msg: report.Text{
		Zh: fmt.Sprintf("%s: texts.%s：%s", src, name, zh),
		En: fmt.Sprintf("%s: texts.%s: %s", src, name, en),
	}}
}

// execBounded runs tm over data within the budgets above.
func execBounded(tm *template.Template, data any, src, name string) (string, error) {
	if len(tm.Templates()) > 1 {
		return "", textError(src, name, "文本中不能定义或调用其他模板（define/template/block）", "a text may not define or call other templates (define/template/block)")
	}
	n := max(1, largestCollection(reflect.ValueOf(data), 3))
	if tm.Tree != nil {
		if work, ok := rangeWork(tm.Tree.Root, n); !ok || work > textMaxWork {
			return "", textError(src, name,
				fmt.Sprintf("range 嵌套过深：对这个工作簿需要超过 %d 次循环，请减少嵌套", textMaxWork),
				fmt.Sprintf("range is nested too deeply: over %d iterations for this workbook; nest fewer ranges", textMaxWork))
		}
	}
	w := &limitWriter{limit: textMaxOutput}
	done := make(chan error, 1)
	go func() { done <- tm.Execute(w, data) }()
	select {
	case err := <-done:
		if errors.Is(err, errTextOutput) {
			return "", textError(src, name, fmt.Sprintf("输出超过 %d KB 的上限", textMaxOutput>>10), fmt.Sprintf("the output is over the %d KB limit", textMaxOutput>>10))
		}
		if err != nil {
			return "", fmt.Errorf("%s: texts.%s: %w", src, name, err)
		}
		return w.buf.String(), nil
	case <-time.After(textMaxTime):
		// The execution is left behind; the bounds above keep it finite.
		return "", textError(src, name, fmt.Sprintf("执行超过 %s", textMaxTime), fmt.Sprintf("execution took longer than %s", textMaxTime))
	}
}

// rangeWork is the most iterations any chain of nested ranges can make,
// each range counted as n (the largest collection in the data) unless it
// ranges over a number written in the text. It reports false for a call
// of another template.
func rangeWork(node parse.Node, n int) (int, bool) {
	const cap = min(1<<40, math.MaxInt) // a 32-bit int holds less
	mul := func(a, b int) int {
		if a > cap/max(b, 1) {
			return cap
		}
		return a * b
	}
	switch x := node.(type) {
	case *parse.ListNode:
		most := 1
		if x == nil {
			return most, true
		}
		for _, c := range x.Nodes {
			w, ok := rangeWork(c, n)
			if !ok {
				return 0, false
			}
			most = max(most, w)
		}
		return most, true
	case *parse.TemplateNode:
		return 0, false
	case *parse.IfNode:
		return branches(x.List, x.ElseList, n)
	case *parse.WithNode:
		return branches(x.List, x.ElseList, n)
	case *parse.RangeNode:
		bound := n
		if x.Pipe != nil && len(x.Pipe.Cmds) == 1 && len(x.Pipe.Cmds[0].Args) == 1 {
			if num, ok := x.Pipe.Cmds[0].Args[0].(*parse.NumberNode); ok && num.IsInt {
				bound = int(min(max(num.Int64, 0), cap))
			}
		}
		inner, ok := branches(x.List, x.ElseList, n)
		if !ok {
			return 0, false
		}
		return mul(max(bound, 1), inner), true
	}
	return 1, true
}

func branches(list, elseList *parse.ListNode, n int) (int, bool) {
	a, ok := rangeWork(list, n)
	if !ok {
		return 0, false
	}
	b, ok := rangeWork(elseList, n)
	return max(a, b), ok
}

// largestCollection is the length of the longest slice or map within
// depth levels of v. (A range over a count such as .Tasks.Total goes no
// further than the rows counted.)
func largestCollection(v reflect.Value, depth int) int {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return 0
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map:
		return v.Len()
	case reflect.Struct:
		if depth == 0 {
			return 0
		}
		most := 0
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				most = max(most, largestCollection(v.Field(i), depth-1))
			}
		}
		return most
	}
	return 0
}
