package report

import (
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

type word interface {
	comparable
	encoding.TextMarshaler
	Label(Lang) string
}

// roundTrip checks that each value writes its key, reads back from it,
// has a label in both languages, and that a word no value has is refused.
func roundTrip[T word, P interface {
	*T
	encoding.TextUnmarshaler
}](t *testing.T, vals []T, keys []string) {
	t.Helper()
	if len(vals) != len(keys) {
		t.Fatalf("%d values, %d keys", len(vals), len(keys))
	}
	for i, v := range vals {
		b, err := v.MarshalText()
		if err != nil || string(b) != keys[i] {
			t.Errorf("%v writes %q, %v; want %q", v, b, err, keys[i])
		}
		var back T
		if err := P(&back).UnmarshalText([]byte(keys[i])); err != nil || back != v {
			t.Errorf("%q reads back as %v, %v; want %v", keys[i], back, err, v)
		}
		if v.Label(Zh) == "" || v.Label(En) == "" || v.Label(Zh) == v.Label(En) {
			t.Errorf("%v is labelled %q and %q", v, v.Label(Zh), v.Label(En))
		}
	}
	var back T
	if err := P(&back).UnmarshalText([]byte("no such word")); err == nil {
		t.Errorf("an unknown word reads as %v", back)
	}
}

func TestVocabularyText(t *testing.T) {
	t.Run("State", func(t *testing.T) {
		roundTrip(t, States, []string{"done", "ahead", "on_schedule", "behind", "overdue", "not_started"})
	})
	t.Run("IndicatorStatus", func(t *testing.T) {
		roundTrip(t, IndicatorStatuses, []string{"met", "nearly_met", "not_met", "pending", "no_data", "no_target"})
	})
	t.Run("Direction", func(t *testing.T) {
		roundTrip(t, []Direction{Positive, Negative}, []string{"positive", "negative"})
	})
	t.Run("Action", func(t *testing.T) {
		// The JSON has always carried the workbook's own word.
		roundTrip(t, []Action{ActionNone, ActionPrescribed, ActionSelf}, []string{"未分类", "规定动作", "自选动作"})
	})
	t.Run("ReturnState", func(t *testing.T) {
		roundTrip(t, ReturnStates, []string{"missing", "on_time", "late"})
	})
	t.Run("Role", func(t *testing.T) {
		roundTrip(t, Roles, []string{"tasks", "indicators", "units"})
	})
	t.Run("Lang", func(t *testing.T) {
		roundTrip(t, Langs, []string{"zh", "en"})
	})
}

// The colours are the charts' and the 报送情况 sheet's: each state has
// its own, so a chart's series can be told apart.
func TestVocabularyColors(t *testing.T) {
	seen := map[string]State{}
	for _, s := range States {
		c := s.Color()
		if len(c) != 6 || strings.Trim(c, "0123456789ABCDEF") != "" {
			t.Errorf("%v has colour %q, not RRGGBB", s, c)
		}
		if o, dup := seen[c]; dup {
			t.Errorf("%v and %v share colour %s", s, o, c)
		}
		seen[c] = s
	}
	if ReturnOnTime.Color() == ReturnLate.Color() || ReturnLate.Color() == ReturnMissing.Color() {
		t.Error("two return states share a colour")
	}
}

// A task and an indicator marshal as the JSON always has: the state's and
// status's keys, the direction's name, the action's Chinese word.
func TestVocabularyJSON(t *testing.T) {
	tr := TaskResult{State: StateOnSchedule, Action: ActionSelf}
	ir := IndicatorResult{Direction: Negative, Status: IndicatorNearlyMet}
	for _, c := range []struct {
		v    any
		want []string
	}{
		{tr, []string{`"state":"on_schedule"`, `"action":"自选动作"`}},
		{ir, []string{`"direction":"negative"`, `"status":"nearly_met"`}},
	} {
		t.Run(fmt.Sprintf("%T", c.v), func(t *testing.T) {
			b, err := json.Marshal(c.v)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range c.want {
				if !strings.Contains(string(b), w) {
					t.Errorf("%s lacks %s", b, w)
				}
			}
		})
	}
}

func TestTallyIndicators(t *testing.T) {
	n := TallyIndicators([]IndicatorResult{{Status: IndicatorMet}, {Status: IndicatorNoData}, {Status: IndicatorMet}})
	if n[IndicatorMet] != 2 || n[IndicatorNoData] != 1 || n[IndicatorNotMet] != 0 {
		t.Errorf("tally = %v", n)
	}
}

func TestLimitError(t *testing.T) {
	err := error(&LimitError{Name: "a.xlsx", Where: "任务清单", What: MeasureRows, Limit: 10, Flag: "-max-rows"})
	if !errors.Is(err, ErrLimit) {
		t.Error("a LimitError is not ErrLimit")
	}
	msg, ok := Message(err)
	if !ok {
		t.Fatal("no message")
	}
	for _, want := range []string{"a.xlsx 任务清单: 行数超过上限 10 行", "-max-rows"} {
		if !strings.Contains(msg.Zh, want) {
			t.Errorf("zh %q lacks %q", msg.Zh, want)
		}
	}
	for _, want := range []string{"a.xlsx 任务清单: the number of rows is over the limit of 10", "raise it with -max-rows"} {
		if !strings.Contains(msg.En, want) {
			t.Errorf("en %q lacks %q", msg.En, want)
		}
	}
	if err.Error() != msg.Zh+" / "+msg.En {
		t.Errorf("Error() = %q", err.Error())
	}
	if m := (&LimitError{Name: "b", What: MeasureSeconds, Limit: 5}).Message(); strings.Contains(m.En, "raise") {
		t.Errorf("a limit no flag raises tells how to raise it: %q", m.En)
	}
	if m, ok := Message(errors.New("plain")); ok {
		t.Errorf("a plain error has message %v", m)
	}
}
