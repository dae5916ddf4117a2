package queue

import (
	"strings"
	"unicode/utf8"
)

// Outcome is one way a visit can end, as the clerk picks it at finish
// ("erledigt", "Unterlagen fehlen"…). Counted per service, anonymously.
type Outcome struct {
	ID    string
	Name  string            // German, as the workplace shows it
	Names map[string]string // by language, e.g. "en"; optional
}

// DefaultOutcomes are the outcomes of an office that configures none.
func DefaultOutcomes() []Outcome {
	return []Outcome{
		{ID: "done", Name: "erledigt", Names: map[string]string{"en": "done"}},
		{ID: "documents_missing", Name: "Unterlagen fehlen", Names: map[string]string{"en": "documents missing"}},
		{ID: "referred", Name: "weiterverwiesen", Names: map[string]string{"en": "referred elsewhere"}},
		{ID: "continued", Name: "wird fortgesetzt", Names: map[string]string{"en": "to be continued"}},
	}
}

// OutcomeList is the office's outcomes, or DefaultOutcomes.
func (o *Office) OutcomeList() []Outcome {
	if len(o.Outcomes) == 0 {
		return DefaultOutcomes()
	}
	return o.Outcomes
}

// MaxHandover is the longest handover note, in characters: a hint for
// the next clerk, not a case file.
const MaxHandover = 200

// checkAction refuses an outcome the office does not know and a handover
// note that is too long, before the action changes anything.
func (q *Queue) checkAction(a *Action) error {
	if a.Outcome != "" {
		known := false
		for _, o := range q.office.OutcomeList() {
			known = known || o.ID == a.Outcome
		}
		if !known {
			return Errorf(Invalid, "unknown outcome %q", a.Outcome)
		}
	}
	a.Handover = strings.TrimSpace(a.Handover)
	if n := utf8.RuneCountInString(a.Handover); n > MaxHandover {
		return Errorf(Invalid, "the note has %d characters, at most %d", n, MaxHandover)
	}
	return nil
}

// validateOutcomes checks the office's outcomes: unique ids, a name each.
func (o *Office) validateOutcomes() error {
	seen := map[string]bool{}
	for _, x := range o.Outcomes {
		if x.ID == "" || seen[x.ID] || strings.TrimSpace(x.Name) == "" {
			return Errorf(Invalid, "office %s: outcome %q: want a unique id and a name", o.ID, x.ID)
		}
		for lang, name := range x.Names {
			if !validLanguage(lang) || strings.TrimSpace(name) == "" {
				return Errorf(Invalid, "office %s: outcome %s: name %q in language %q: want a language code and a name", o.ID, x.ID, name, lang)
			}
		}
		seen[x.ID] = true
	}
	return nil
}
