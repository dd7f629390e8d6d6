package notify

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Mails about requests, change requests and absences: what clinics and
// coordinators are told outside of publications. Their IDs name the
// document they report, so a retried call never sends twice.
const (
	tmplRequestReceived      = "request_received"
	tmplChangeDeclined       = "change_declined"
	tmplCoordinatorAbsence   = "coordinator_absence"
	tmplCoordinatorChange    = "coordinator_change"
	tmplCoordinatorCancelled = "coordinator_cancellation"
	kindRequestReceived      = "clinic.request_received"
	kindChangeDeclined       = "clinic.change_declined"
	kindCoordinatorAbsence   = "coordinator.absence"
	kindCoordinatorChange    = "coordinator.change_request"
	kindCoordinatorCancelled = "coordinator.cancellation"
)

// peopleTemplateNames are the template pairs of these mails.
func peopleTemplateNames() []string {
	return []string{tmplRequestReceived, tmplChangeDeclined, tmplCoordinatorAbsence, tmplCoordinatorChange, tmplCoordinatorCancelled}
}

// DayWindow is one weekly window of a request's wishes.
type DayWindow struct {
	Weekday    time.Weekday
	Start, End string // "14:00"
}

// RequestInfo describes a clinic's request in these mails.
type RequestInfo struct {
	ID     string
	Clinic Clinic
	Kind   Kind
	Topic  string
	// Earliest and Due are the dates the visit may fall between.
	Earliest, Due time.Time
	Windows       []DayWindow
	Comment       string
}

// ChangeInfo describes a clinic's change request.
type ChangeInfo struct {
	ID      string
	Request RequestInfo
	// Windows are the wishes the clinic asks for.
	Windows []DayWindow
	Comment string
	// Reason is the coordinator's, when declined.
	Reason string
}

// AbsenceInfo describes a trainer's absence for the coordinators.
type AbsenceInfo struct {
	ID       string
	Trainer  Trainer
	From, To time.Time
	Reason   string
	// Affected counts the trainer's booked visits in the range.
	Affected int
	// ReleasedPins are lines naming each pin the absence released.
	ReleasedPins []string
	// Diffs link the previews of the repair drafts.
	Diffs []string
}

// requestView is a request formatted for one reader.
type requestView struct {
	ID, Kind, Clinic, Topic, Period, Windows, Comment string
}

// noticeView is the data of these templates; the layout reads Lang and
// Subject.
type noticeView struct {
	Lang       Lang
	Subject    string
	Name       string
	ReplyTo    string
	BaseURL    string
	Request    requestView
	NewWindows string
	Comment    string
	Reason     string
	// Absence fields.
	Trainer  string
	Period   string
	Affected string
	Pins     []string
	Diffs    []string
}

func (c *Composer) requestView(r RequestInfo, lc locale) requestView {
	v := requestView{ID: r.ID, Kind: lc.kind(r.Kind), Clinic: r.Clinic.Name, Topic: r.Topic, Comment: r.Comment,
		Windows: c.windows(r.Windows, lc)}
	if !r.Earliest.IsZero() && !r.Due.IsZero() {
		v.Period = lc.dateRange(r.Earliest, r.Due)
	}
	return v
}

// windows is "вт 14:00–16:00, чт 09:00–12:00"; empty when none.
func (c *Composer) windows(ws []DayWindow, lc locale) string {
	parts := make([]string, 0, len(ws))
	for _, w := range ws {
		parts = append(parts, lc.weekdaysShort[w.Weekday]+" "+w.Start+"–"+w.End)
	}
	return strings.Join(parts, ", ")
}

// renderNotice executes one of these template pairs, like render does for
// booking mails.
func (c *Composer) renderNotice(name string, v noticeView) (subject, text, html string, err error) {
	return renderPair(c, name, v.Lang, &v, &v.Subject)
}

func (c *Composer) notice(tmpl, kind, id string, to []string, v noticeView) (Message, error) {
	if len(to) == 0 {
		return Message{}, fmt.Errorf("compose %s %s: nobody to send it to", kind, id)
	}
	if strings.ContainsAny(id, " \t\r\n@<>") || id == "" {
		return Message{}, fmt.Errorf("compose %s: id %q cannot name a message", kind, id)
	}
	v.Lang = v.Lang.orDefault()
	v.ReplyTo, v.BaseURL = c.cfg.ReplyTo, c.cfg.BaseURL
	subject, text, html, err := c.renderNotice(tmpl, v)
	if err != nil {
		return Message{}, fmt.Errorf("compose %s %s: %w", kind, id, err)
	}
	return Message{ID: kind + "." + id, Kind: kind, To: slices.Clone(to), ReplyTo: c.cfg.ReplyTo,
		Subject: subject, Text: text, HTML: html}, nil
}

// RequestReceived confirms to the clinic that its request was filed and
// says what happens next. Message.ID is "clinic.request_received.<request>".
func (c *Composer) RequestReceived(r RequestInfo) (Message, error) {
	lang := r.Clinic.Lang.orDefault()
	v := noticeView{Lang: lang, Name: r.Clinic.Name, Request: c.requestView(r, localeFor(lang))}
	return c.notice(tmplRequestReceived, kindRequestReceived, r.ID, r.Clinic.Emails, v)
}

// ChangeDeclined tells the clinic that its change request was declined,
// with the coordinator's reason; the booked visit stays. Message.ID is
// "clinic.change_declined.<change request>".
func (c *Composer) ChangeDeclined(ch ChangeInfo) (Message, error) {
	if strings.TrimSpace(ch.Reason) == "" {
		return Message{}, errors.New("compose " + kindChangeDeclined + ": a declined change needs its reason")
	}
	lang := ch.Request.Clinic.Lang.orDefault()
	lc := localeFor(lang)
	v := noticeView{Lang: lang, Name: ch.Request.Clinic.Name, Request: c.requestView(ch.Request, lc),
		NewWindows: c.windows(ch.Windows, lc), Comment: ch.Comment, Reason: ch.Reason}
	return c.notice(tmplChangeDeclined, kindChangeDeclined, ch.ID, ch.Request.Clinic.Emails, v)
}

// CoordinatorChange tells the coordinators (to) that a clinic asks to
// change a booked request. Message.ID is "coordinator.change_request.<id>".
func (c *Composer) CoordinatorChange(to []string, lang Lang, ch ChangeInfo) (Message, error) {
	lang = lang.orDefault()
	lc := localeFor(lang)
	v := noticeView{Lang: lang, Request: c.requestView(ch.Request, lc), NewWindows: c.windows(ch.Windows, lc), Comment: ch.Comment}
	return c.notice(tmplCoordinatorChange, kindCoordinatorChange, ch.ID, to, v)
}

// CoordinatorCancellation tells the coordinators (to) that a clinic
// cancelled its request. Message.ID is "coordinator.cancellation.<request>".
func (c *Composer) CoordinatorCancellation(to []string, lang Lang, r RequestInfo) (Message, error) {
	lang = lang.orDefault()
	v := noticeView{Lang: lang, Request: c.requestView(r, localeFor(lang))}
	return c.notice(tmplCoordinatorCancelled, kindCoordinatorCancelled, r.ID, to, v)
}

// CoordinatorAbsence tells the coordinators (to) of a trainer's absence:
// how many booked visits need a new slot, which pins it released and where
// to preview the repair drafts. Message.ID is "coordinator.absence.<id>".
func (c *Composer) CoordinatorAbsence(to []string, lang Lang, a AbsenceInfo) (Message, error) {
	lang = lang.orDefault()
	lc := localeFor(lang)
	v := noticeView{Lang: lang, Trainer: a.Trainer.Name, Reason: a.Reason, Affected: lc.visits(a.Affected),
		Pins: a.ReleasedPins, Diffs: a.Diffs}
	if !a.From.IsZero() && !a.To.IsZero() {
		v.Period = lc.dateRange(a.From.In(c.loc), a.To.In(c.loc))
	}
	return c.notice(tmplCoordinatorAbsence, kindCoordinatorAbsence, a.ID, to, v)
}
