package notify

import (
	"bytes"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"net/url"
	"slices"
	"strings"
	texttemplate "text/template"
	"time"
)

// Change is what happened to a booking, as its recipients are told.
type Change string

// The changes a booking mail can announce.
const (
	// ChangeBooked is a new visit: "confirmed" for the clinic, "added" for the trainer.
	ChangeBooked Change = "booked"
	// ChangeMoved is a visit whose time, trainer or details changed.
	ChangeMoved Change = "moved"
	// ChangeCancelled is a visit that no longer takes place.
	ChangeCancelled Change = "cancelled"
)

// Clinic is the polyclinic a visit goes to, with the contacts to notify.
type Clinic struct {
	ID      string
	Name    string
	Address string
	Emails  []string
	Lang    Lang
}

// Trainer is the person who makes the visit.
type Trainer struct {
	ID    string
	Name  string
	Email string
	Phone string
	Lang  Lang
	// FeedURL is the trainer's personal calendar subscription, shown in the
	// weekly plan when set.
	FeedURL string
}

// Booking is one published visit as the mails describe it.
type Booking struct {
	// VisitID names the visit for its whole life in links and message ids.
	VisitID string
	// UID is the visit's iCalendar UID, the one stored with the visit
	// (models.Visit.CalendarUID): invitations, cancellations and feeds all
	// carry it, so they update the same calendar event.
	UID string
	// Sequence is the iCalendar SEQUENCE this message carries: the caller
	// increases it with every change it sends, cancellation included.
	Sequence int
	Clinic   Clinic
	Trainer  Trainer
	Kind     Kind
	Topic    string
	Start    time.Time
	End      time.Time
	// PreviousStart and PreviousEnd are the slot before a move; zero if
	// unknown or unchanged.
	PreviousStart, PreviousEnd time.Time
	// PreviousTrainer is the name of the trainer before a move to another
	// trainer; empty if unknown or unchanged.
	PreviousTrainer string
	// TrainingStart and TrainingEnd are the micro-training slot inside the
	// visit; zero when the visit has none.
	TrainingStart, TrainingEnd time.Time
	// Participants is how many administrators the clinic releases from the
	// desk for the micro-training.
	Participants int
	// Room is where the micro-training takes place, if the clinic said.
	Room    string
	Comment string
}

// ComposerConfig holds what mails need beyond the booking itself.
type ComposerConfig struct {
	// BaseURL is the service's public address; mails link to the visit there
	// so people can ask for a change.
	BaseURL string
	// ReplyTo is the coordinators' address that replies go to.
	ReplyTo string
	// Organizer is the ORGANIZER of invitations; its Email defaults to ReplyTo.
	Organizer Person
}

// Composer turns bookings into messages. It parses every template once, in
// NewComposer, and is safe for concurrent use.
type Composer struct {
	loc   *time.Location
	cfg   ComposerConfig
	mails map[templateKey]mailTemplate
}

type templateKey struct {
	lang Lang
	name string
}

type mailTemplate struct {
	html *htmltemplate.Template
	text *texttemplate.Template
}

// The template pairs every language directory must have.
const (
	tmplClinicBooking   = "clinic_booking"
	tmplTrainerChange   = "trainer_change"
	tmplTrainerWeek     = "trainer_week"
	tmplClinicReminder  = "clinic_reminder"
	tmplTrainerReminder = "trainer_reminder"
)

func templateNames() []string {
	return append([]string{tmplClinicBooking, tmplTrainerChange, tmplTrainerWeek, tmplClinicReminder, tmplTrainerReminder},
		peopleTemplateNames()...)
}

// NewComposer parses the mail templates in fsys (a tree holding mail/, such as
// templates.Mail): mail/layout.html, and for each of Langs()
// mail/<lang>/partials.{html,txt} and one .html and .txt per message kind.
// Each .txt must define "subject" and each .html "content". Any missing or
// broken template fails here, so a bad deployment fails at start. loc is the
// zone times are shown in; nil means DefaultTimeZone.
func NewComposer(fsys fs.FS, loc *time.Location, cfg ComposerConfig) (*Composer, error) {
	if loc == nil {
		var err error
		if loc, err = time.LoadLocation(DefaultTimeZone); err != nil {
			return nil, fmt.Errorf("new composer: load default zone: %w", err)
		}
	}
	if cfg.Organizer.Email == "" {
		cfg.Organizer.Email = cfg.ReplyTo
	}
	if cfg.Organizer.Email == "" {
		return nil, errors.New("new composer: invitations need an organizer: set ReplyTo or Organizer.Email")
	}
	if cfg.Organizer.Name == "" {
		cfg.Organizer.Name = "Fieldvisit"
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.BaseURL != "" {
		if u, err := url.Parse(cfg.BaseURL); err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("new composer: base URL %q is not an absolute URL", cfg.BaseURL)
		}
	}
	c := &Composer{loc: loc, cfg: cfg, mails: make(map[templateKey]mailTemplate)}
	for _, lang := range Langs() {
		for _, name := range templateNames() {
			mt, err := parseMail(fsys, lang, name)
			if err != nil {
				return nil, fmt.Errorf("new composer: %w", err)
			}
			c.mails[templateKey{lang, name}] = mt
		}
	}
	return c, nil
}

func parseMail(fsys fs.FS, lang Lang, name string) (mailTemplate, error) {
	dir := "mail/" + string(lang) + "/"
	html, err := htmltemplate.New("layout.html").Option("missingkey=error").
		ParseFS(fsys, "mail/layout.html", dir+"partials.html", dir+name+".html")
	if err != nil {
		return mailTemplate{}, fmt.Errorf("parse %s%s.html: %w", dir, name, err)
	}
	if html.Lookup("content") == nil {
		return mailTemplate{}, fmt.Errorf("parse %s%s.html: it does not define \"content\"", dir, name)
	}
	text, err := texttemplate.New(name+".txt").Option("missingkey=error").
		ParseFS(fsys, dir+"partials.txt", dir+name+".txt")
	if err != nil {
		return mailTemplate{}, fmt.Errorf("parse %s%s.txt: %w", dir, name, err)
	}
	for _, def := range []string{"subject", "description"} {
		if text.Lookup(def) == nil {
			return mailTemplate{}, fmt.Errorf("parse %s%s.txt: %q is not defined", dir, name, def)
		}
	}
	return mailTemplate{html: html, text: text}, nil
}

// visitView is a booking with everything already formatted for one reader.
type visitView struct {
	Kind          string // lower case, for use inside a sentence
	KindTitle     string // capitalised, for the start of a line
	MicroTraining bool
	Topic         string
	Clinic        string
	Address       string
	Date          string
	ShortDate     string
	Time          string // "10:00–11:30"
	StartTime     string // "10:00"
	Zone          string
	Moved         bool // the slot changed: Previous* say from what
	PreviousDate  string
	PreviousTime  string
	// PreviousTrainer names the trainer before a move to another one.
	PreviousTrainer string
	Trainer         string
	TrainerPhone    string
	TrainerEmail    string
	TrainingTime    string
	Participants    string
	Room            string
	Comment         string
	URL             string
}

type dayView struct {
	Date   string
	Visits []visitView
}

// mailView is the data every template gets.
type mailView struct {
	Lang    Lang
	Subject string
	Change  Change
	// Name is whom the mail greets: the clinic or the trainer.
	Name    string
	Visit   visitView
	Days    []dayView
	Count   string
	Period  string
	ReplyTo string
	BaseURL string
	FeedURL string
}

func (c *Composer) visitView(b Booking, lc locale) visitView {
	start, end := b.Start.In(c.loc), b.End.In(c.loc)
	zone, _ := start.Zone()
	v := visitView{
		Kind:          lc.kind(b.Kind),
		KindTitle:     capitalize(lc.kind(b.Kind)),
		MicroTraining: b.Kind == KindMicroTraining || !b.TrainingStart.IsZero(),
		Topic:         b.Topic,
		Clinic:        b.Clinic.Name,
		Address:       b.Clinic.Address,
		Date:          lc.longDate(start),
		ShortDate:     lc.shortDate(start),
		Time:          timeRange(start, end),
		StartTime:     start.Format("15:04"),
		Zone:          zone,
		Trainer:       b.Trainer.Name,
		TrainerPhone:  b.Trainer.Phone,
		TrainerEmail:  b.Trainer.Email,
		Room:          b.Room,
		Comment:       b.Comment,
		URL:           c.visitURL(b.VisitID),
	}
	if !b.PreviousStart.IsZero() && (!b.PreviousStart.Equal(b.Start) || !b.PreviousEnd.Equal(b.End)) {
		ps, pe := b.PreviousStart.In(c.loc), b.PreviousEnd.In(c.loc)
		v.Moved = true
		v.PreviousDate = lc.longDate(ps)
		v.PreviousTime = timeRange(ps, pe)
	}
	if b.PreviousTrainer != "" && b.PreviousTrainer != b.Trainer.Name {
		v.PreviousTrainer = b.PreviousTrainer
	}
	if !b.TrainingStart.IsZero() && b.TrainingEnd.After(b.TrainingStart) {
		v.TrainingTime = timeRange(b.TrainingStart.In(c.loc), b.TrainingEnd.In(c.loc))
	}
	if b.Participants > 0 {
		v.Participants = lc.administrators(b.Participants)
	}
	return v
}

func (c *Composer) visitURL(visitID string) string {
	if c.cfg.BaseURL == "" || visitID == "" {
		return ""
	}
	return c.cfg.BaseURL + "/visits/" + url.PathEscape(visitID)
}

func (c *Composer) newView(lang Lang) mailView {
	return mailView{Lang: lang, ReplyTo: c.cfg.ReplyTo, BaseURL: c.cfg.BaseURL}
}

// render executes one template pair; the subject comes first so the HTML
// layout can use it as the document title.
func (c *Composer) render(name string, v mailView) (subject, text, html string, err error) {
	return renderPair(c, name, v.Lang, &v, &v.Subject)
}

// renderPair executes the template pair name for language lang on view v,
// whose Subject field subject points at: the subject first, written into v
// so that the HTML layout can use it as the document title, then the text
// and the HTML. Booking mails and notices share it.
func renderPair[V any](c *Composer, name string, lang Lang, v *V, subjectField *string) (subject, text, html string, err error) {
	mt, ok := c.mails[templateKey{lang, name}]
	if !ok {
		return "", "", "", fmt.Errorf("no template %s for language %q", name, lang)
	}
	var buf bytes.Buffer
	if err := mt.text.ExecuteTemplate(&buf, "subject", v); err != nil {
		return "", "", "", fmt.Errorf("render %s subject: %w", name, err)
	}
	// Headers cannot hold line breaks; templates may wrap for readability.
	*subjectField = strings.Join(strings.Fields(buf.String()), " ")
	buf.Reset()
	if err := mt.text.ExecuteTemplate(&buf, name+".txt", v); err != nil {
		return "", "", "", fmt.Errorf("render %s text: %w", name, err)
	}
	text = tidyText(buf.String())
	buf.Reset()
	if err := mt.html.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		return "", "", "", fmt.Errorf("render %s html: %w", name, err)
	}
	return *subjectField, text, buf.String(), nil
}

// tidyText collapses the blank lines that template conditionals leave behind.
func tidyText(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	out := make([]string, 0, len(lines))
	blank := true // also drops leading blank lines
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			if blank {
				continue
			}
			blank = true
		} else {
			blank = false
		}
		out = append(out, l)
	}
	return strings.TrimRight(strings.Join(out, "\n"), "\n") + "\n"
}

func (c *Composer) description(lang Lang, v visitView) (string, error) {
	var buf bytes.Buffer
	mt := c.mails[templateKey{lang, tmplClinicBooking}]
	if err := mt.text.ExecuteTemplate(&buf, "description", v); err != nil {
		return "", fmt.Errorf("render calendar description: %w", err)
	}
	return strings.TrimSpace(tidyText(buf.String())), nil
}

// event makes the VEVENT of a booking as one reader sees it; the UID and
// SEQUENCE are the same for every reader of the same change.
func (c *Composer) event(b Booking, lang Lang, forTrainer bool, status EventStatus) (Event, error) {
	lc := localeFor(lang)
	v := c.visitView(b, lc)
	desc, err := c.description(lang, v)
	if err != nil {
		return Event{}, err
	}
	summary := v.KindTitle
	if forTrainer {
		summary += " — " + b.Clinic.Name
	} else if b.Trainer.Name != "" {
		summary += " — " + b.Trainer.Name
	}
	ev := Event{
		UID:         b.UID,
		Sequence:    b.Sequence,
		Start:       b.Start,
		End:         b.End,
		Summary:     summary,
		Description: desc,
		Location:    b.Clinic.Address,
		URL:         v.URL,
		Status:      status,
		Organizer:   c.cfg.Organizer,
	}
	if b.Trainer.Email != "" {
		ev.Attendees = append(ev.Attendees, Person{Name: b.Trainer.Name, Email: b.Trainer.Email})
	}
	for _, e := range b.Clinic.Emails {
		ev.Attendees = append(ev.Attendees, Person{Name: b.Clinic.Name, Email: e})
	}
	return ev, nil
}

func capitalize(s string) string {
	for i := range s {
		if i > 0 {
			return strings.ToUpper(s[:i]) + s[i:]
		}
	}
	return strings.ToUpper(s)
}

// invitation is the .ics attachment of a booking mail.
func (c *Composer) invitation(b Booking, lang Lang, forTrainer bool, change Change, now time.Time) (Attachment, error) {
	method, status, name := MethodRequest, EventConfirmed, "invite.ics"
	if change == ChangeCancelled {
		method, status, name = MethodCancel, EventCancelled, "cancel.ics"
	}
	ev, err := c.event(b, lang, forTrainer, status)
	if err != nil {
		return Attachment{}, err
	}
	data, err := EncodeCalendar(Calendar{Method: method, Location: c.loc, Stamp: now, Events: []Event{ev}})
	if err != nil {
		return Attachment{}, err
	}
	return calendarAttachment(name, method, data), nil
}

func calendarAttachment(name string, method Method, data []byte) Attachment {
	return Attachment{
		Name:        name,
		ContentType: "text/calendar; method=" + string(method) + "; charset=UTF-8",
		Data:        data,
	}
}

func checkBooking(b Booking) error {
	switch {
	case b.VisitID == "":
		return errors.New("the visit has no ID")
	case strings.ContainsAny(b.VisitID, " \t\r\n@<>"):
		return fmt.Errorf("visit ID %q has characters an e-mail or calendar ID cannot hold", b.VisitID)
	case strings.TrimSpace(b.UID) == "":
		return fmt.Errorf("visit %s has no calendar UID", b.VisitID)
	case b.Start.IsZero() || !b.End.After(b.Start):
		return fmt.Errorf("visit %s: end %v is not after start %v", b.VisitID, b.End, b.Start)
	case b.Sequence < 0:
		return fmt.Errorf("visit %s: negative sequence %d", b.VisitID, b.Sequence)
	}
	return nil
}

func checkChange(ch Change) error {
	switch ch {
	case ChangeBooked, ChangeMoved, ChangeCancelled:
		return nil
	}
	return fmt.Errorf("unknown change %q", ch)
}

// ClinicBooking tells the clinic's contacts that a visit was booked, moved or
// cancelled, with an invitation (METHOD:REQUEST) or a cancellation
// (METHOD:CANCEL) attached. now is the DTSTAMP. Message.ID is
// "clinic.<change>.<visit>.<sequence>".
func (c *Composer) ClinicBooking(change Change, b Booking, now time.Time) (Message, error) {
	kind := "clinic." + string(change)
	if err := c.checkBookingMail(change, b); err != nil {
		return Message{}, fmt.Errorf("compose %s: %w", kind, err)
	}
	if len(b.Clinic.Emails) == 0 {
		return Message{}, fmt.Errorf("compose %s for visit %s: clinic %q has no e-mail address", kind, b.VisitID, b.Clinic.Name)
	}
	m, err := c.bookingMessage(tmplClinicBooking, kind, change, b, b.Clinic.Lang, b.Clinic.Name, false, now)
	if err != nil {
		return Message{}, fmt.Errorf("compose %s for visit %s: %w", kind, b.VisitID, err)
	}
	m.To = slices.Clone(b.Clinic.Emails)
	return m, nil
}

// TrainerChange tells the trainer that a visit was added to, moved in or
// removed from their published plan, with the invitation or cancellation
// attached. Message.ID is "trainer.<change>.<visit>.<sequence>".
func (c *Composer) TrainerChange(change Change, b Booking, now time.Time) (Message, error) {
	kind := "trainer." + string(change)
	if err := c.checkBookingMail(change, b); err != nil {
		return Message{}, fmt.Errorf("compose %s: %w", kind, err)
	}
	if b.Trainer.Email == "" {
		return Message{}, fmt.Errorf("compose %s for visit %s: trainer %q has no e-mail address", kind, b.VisitID, b.Trainer.Name)
	}
	m, err := c.bookingMessage(tmplTrainerChange, kind, change, b, b.Trainer.Lang, b.Trainer.Name, true, now)
	if err != nil {
		return Message{}, fmt.Errorf("compose %s for visit %s: %w", kind, b.VisitID, err)
	}
	m.To = []string{b.Trainer.Email}
	return m, nil
}

func (c *Composer) checkBookingMail(change Change, b Booking) error {
	if err := checkChange(change); err != nil {
		return err
	}
	return checkBooking(b)
}

func (c *Composer) bookingMessage(tmpl, kind string, change Change, b Booking, lang Lang, name string, forTrainer bool, now time.Time) (Message, error) {
	lang = lang.orDefault()
	v := c.newView(lang)
	v.Change = change
	v.Name = name
	v.Visit = c.visitView(b, localeFor(lang))
	subject, text, html, err := c.render(tmpl, v)
	if err != nil {
		return Message{}, err
	}
	ics, err := c.invitation(b, lang, forTrainer, change, now)
	if err != nil {
		return Message{}, err
	}
	return Message{
		ID:          fmt.Sprintf("%s.%s.%d", kind, b.VisitID, b.Sequence),
		Kind:        kind,
		ReplyTo:     c.cfg.ReplyTo,
		Subject:     subject,
		Text:        text,
		HTML:        html,
		Attachments: []Attachment{ics},
	}, nil
}

// TrainerWeek sends a trainer the published plan of the week starting on
// weekStart (a Monday), visits grouped by day, with all of them attached as
// one METHOD:PUBLISH calendar to import. planVersion makes the ID:
// "trainer.week.<trainer>.<yyyy-mm-dd>.<version>", so a re-run of the same
// publication never sends twice.
func (c *Composer) TrainerWeek(t Trainer, weekStart time.Time, planVersion int, bookings []Booking, now time.Time) (Message, error) {
	const kind = "trainer.week"
	week := weekStart.In(c.loc).Format(time.DateOnly)
	if err := checkTrainer(t); err != nil {
		return Message{}, fmt.Errorf("compose %s %s: %w", kind, week, err)
	}
	for _, b := range bookings {
		if err := checkBooking(b); err != nil {
			return Message{}, fmt.Errorf("compose %s %s for trainer %s: %w", kind, week, t.ID, err)
		}
	}
	lang := t.Lang.orDefault()
	lc := localeFor(lang)
	sorted := sortedByStart(bookings)
	v := c.newView(lang)
	v.Name = t.Name
	v.FeedURL = t.FeedURL
	v.Days = c.days(sorted, lc)
	v.Count = lc.visits(len(sorted))
	ws := weekStart.In(c.loc)
	last := ws.AddDate(0, 0, 4)
	if n := len(sorted); n > 0 && sorted[n-1].Start.In(c.loc).After(last) {
		last = sorted[n-1].Start.In(c.loc)
	}
	v.Period = lc.dateRange(ws, last)
	subject, text, html, err := c.render(tmplTrainerWeek, v)
	if err != nil {
		return Message{}, fmt.Errorf("compose %s %s for trainer %s: %w", kind, week, t.ID, err)
	}
	m := Message{
		ID:      fmt.Sprintf("%s.%s.%s.%d", kind, t.ID, week, planVersion),
		Kind:    kind,
		To:      []string{t.Email},
		ReplyTo: c.cfg.ReplyTo,
		Subject: subject,
		Text:    text,
		HTML:    html,
	}
	if len(sorted) > 0 {
		data, err := c.feed(t, sorted, lang, now, "")
		if err != nil {
			return Message{}, fmt.Errorf("compose %s %s for trainer %s: %w", kind, week, t.ID, err)
		}
		m.Attachments = []Attachment{calendarAttachment("week-"+week+".ics", MethodPublish, data)}
	}
	return m, nil
}

// ClinicReminder reminds the clinic's contacts the day before a visit.
// Message.ID is "clinic.reminder.<visit>.<yyyy-mm-dd>", so a visit moved to
// another day is reminded again.
func (c *Composer) ClinicReminder(b Booking) (Message, error) {
	const kind = "clinic.reminder"
	if err := checkBooking(b); err != nil {
		return Message{}, fmt.Errorf("compose %s: %w", kind, err)
	}
	if len(b.Clinic.Emails) == 0 {
		return Message{}, fmt.Errorf("compose %s for visit %s: clinic %q has no e-mail address", kind, b.VisitID, b.Clinic.Name)
	}
	lang := b.Clinic.Lang.orDefault()
	v := c.newView(lang)
	v.Name = b.Clinic.Name
	v.Visit = c.visitView(withoutPrevious(b), localeFor(lang))
	subject, text, html, err := c.render(tmplClinicReminder, v)
	if err != nil {
		return Message{}, fmt.Errorf("compose %s for visit %s: %w", kind, b.VisitID, err)
	}
	return Message{
		ID:      fmt.Sprintf("%s.%s.%s", kind, b.VisitID, b.Start.In(c.loc).Format(time.DateOnly)),
		Kind:    kind,
		To:      slices.Clone(b.Clinic.Emails),
		ReplyTo: c.cfg.ReplyTo,
		Subject: subject,
		Text:    text,
		HTML:    html,
	}, nil
}

// TrainerReminder reminds a trainer the day before of that day's visits, in
// route order. Message.ID is "trainer.reminder.<trainer>.<yyyy-mm-dd>" of the
// first visit's day.
func (c *Composer) TrainerReminder(t Trainer, bookings []Booking) (Message, error) {
	const kind = "trainer.reminder"
	if err := checkTrainer(t); err != nil {
		return Message{}, fmt.Errorf("compose %s: %w", kind, err)
	}
	if len(bookings) == 0 {
		return Message{}, fmt.Errorf("compose %s for trainer %s: no visits to remind of", kind, t.ID)
	}
	for _, b := range bookings {
		if err := checkBooking(b); err != nil {
			return Message{}, fmt.Errorf("compose %s for trainer %s: %w", kind, t.ID, err)
		}
	}
	lang := t.Lang.orDefault()
	lc := localeFor(lang)
	sorted := sortedByStart(bookings)
	for i := range sorted {
		sorted[i] = withoutPrevious(sorted[i])
	}
	v := c.newView(lang)
	v.Name = t.Name
	v.FeedURL = t.FeedURL
	v.Days = c.days(sorted, lc)
	v.Count = lc.visits(len(sorted))
	v.Visit = c.visitView(sorted[0], lc)
	subject, text, html, err := c.render(tmplTrainerReminder, v)
	if err != nil {
		return Message{}, fmt.Errorf("compose %s for trainer %s: %w", kind, t.ID, err)
	}
	return Message{
		ID:      fmt.Sprintf("%s.%s.%s", kind, t.ID, sorted[0].Start.In(c.loc).Format(time.DateOnly)),
		Kind:    kind,
		To:      []string{t.Email},
		ReplyTo: c.cfg.ReplyTo,
		Subject: subject,
		Text:    text,
		HTML:    html,
	}, nil
}

// TrainerFeed is the body of a trainer's calendar subscription (.ics,
// METHOD:PUBLISH): every booking given, with the same UIDs and sequences as
// the mails, so the feed and the invitations update the same events. now is
// the DTSTAMP. Cancelled visits should simply be left out.
func (c *Composer) TrainerFeed(t Trainer, bookings []Booking, now time.Time) ([]byte, error) {
	for _, b := range bookings {
		if err := checkBooking(b); err != nil {
			return nil, fmt.Errorf("trainer feed %s: %w", t.ID, err)
		}
	}
	lang := t.Lang.orDefault()
	name := "Fieldvisit"
	if t.Name != "" {
		name += " — " + t.Name
	}
	data, err := c.feed(t, sortedByStart(bookings), lang, now, name)
	if err != nil {
		return nil, fmt.Errorf("trainer feed %s: %w", t.ID, err)
	}
	return data, nil
}

func (c *Composer) feed(t Trainer, bookings []Booking, lang Lang, now time.Time, name string) ([]byte, error) {
	cal := Calendar{Method: MethodPublish, Name: name, Location: c.loc, Stamp: now}
	for _, b := range bookings {
		b.Trainer = t
		ev, err := c.event(b, lang, true, EventConfirmed)
		if err != nil {
			return nil, err
		}
		// A published listing is not a scheduling request: attendees would
		// make some apps offer to answer it.
		ev.Attendees = nil
		cal.Events = append(cal.Events, ev)
	}
	return EncodeCalendar(cal)
}

func (c *Composer) days(sorted []Booking, lc locale) []dayView {
	var days []dayView
	for _, b := range sorted {
		date := lc.longDate(b.Start.In(c.loc))
		if len(days) == 0 || days[len(days)-1].Date != date {
			days = append(days, dayView{Date: date})
		}
		d := &days[len(days)-1]
		d.Visits = append(d.Visits, c.visitView(b, lc))
	}
	return days
}

// withoutPrevious drops the slot before a move: a reminder or a plan states
// where to be, not how it came about.
func withoutPrevious(b Booking) Booking {
	b.PreviousStart, b.PreviousEnd, b.PreviousTrainer = time.Time{}, time.Time{}, ""
	return b
}

func checkTrainer(t Trainer) error {
	switch {
	case t.ID == "":
		return errors.New("the trainer has no ID")
	case strings.ContainsAny(t.ID, " \t\r\n@<>"):
		return fmt.Errorf("trainer ID %q has characters an e-mail ID cannot hold", t.ID)
	case t.Email == "":
		return fmt.Errorf("trainer %s (%s) has no e-mail address", t.ID, t.Name)
	}
	return nil
}

func sortedByStart(bookings []Booking) []Booking {
	out := slices.Clone(bookings)
	slices.SortStableFunc(out, func(a, b Booking) int { return a.Start.Compare(b.Start) })
	return out
}
