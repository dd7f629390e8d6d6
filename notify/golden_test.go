package notify

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/fieldvisit/fieldvisit/templates"
)

// update rewrites the golden files instead of comparing with them:
//
//	go test ./notify -update
//
// Review the diff of testdata/golden before committing it.
var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// goldenDir holds one directory per language with every mail's text and
// HTML body and every calendar the composer writes.
const goldenDir = "testdata/golden"

// goldenFile is one composed output and the file it must equal.
type goldenFile struct {
	name string // relative to goldenDir, without goldenExt
	data []byte
}

// goldenExt ends every golden file's name, so that tools reading the tree
// as source (formatters, linters, duplicate finders) leave them alone.
const goldenExt = ".golden"

// goldenOutputs composes every mail kind in every language, with their
// invitations, and every trainer feed, from fixed bookings at a fixed
// moment, so that the bytes are the same on every run.
func goldenOutputs(t *testing.T, c *Composer, loc *time.Location) []goldenFile {
	t.Helper()
	now := composedAt()
	var out []goldenFile
	add := func(lang Lang, m Message) {
		dir := string(lang) + "/"
		// The subject and the recipients head the text file, so one file
		// shows what a reader sees first.
		text := fmt.Sprintf("ID: %s\nTo: %s\nReply-To: %s\nSubject: %s\n\n%s", m.ID, strings.Join(m.To, ", "), m.ReplyTo, m.Subject, m.Text)
		out = append(out,
			goldenFile{dir + m.Kind + ".txt", []byte(text)},
			goldenFile{dir + m.Kind + ".html", []byte(m.HTML)},
		)
		for _, a := range m.Attachments {
			head := fmt.Sprintf("Content-Type: %s\n\n", a.ContentType)
			out = append(out, goldenFile{dir + m.Kind + "." + a.Name, append([]byte(head), a.Data...)})
		}
	}
	for _, lang := range Langs() {
		b := sampleBooking(loc)
		b.Clinic.Lang, b.Trainer.Lang = lang, lang
		b.Comment = "Please call the desk on arrival & ask for <Olga>."
		b.Trainer.FeedURL = "https://fieldvisit.example/feeds/secret.ics"
		second := b
		second.VisitID, second.UID, second.Sequence = "64f0c2a2", "64f0c2a2@fieldvisit", 3
		second.Kind, second.Topic, second.Comment, second.Room, second.Participants = KindOnsiteSupport, "", "", "", 0
		second.TrainingStart, second.TrainingEnd = time.Time{}, time.Time{}
		second.Start, second.End = b.Start.Add(4*time.Hour), b.End.Add(4*time.Hour)
		third := second
		third.VisitID, third.UID, third.Kind = "64f0c2a3", "64f0c2a3@fieldvisit", KindDifficultCase
		third.Start, third.End = b.Start.AddDate(0, 0, 2), b.End.AddDate(0, 0, 2)

		for _, ch := range []Change{ChangeBooked, ChangeMoved, ChangeCancelled} {
			one := b
			if ch == ChangeMoved {
				one.Sequence = 1
				one.PreviousStart, one.PreviousEnd = b.Start.AddDate(0, 0, -1), b.End.AddDate(0, 0, -1)
			}
			if ch == ChangeCancelled {
				one.Sequence = 2
			}
			m, err := c.ClinicBooking(ch, one, now)
			if err != nil {
				t.Fatalf("%s ClinicBooking %s: %v", lang, ch, err)
			}
			add(lang, m)
			if m, err = c.TrainerChange(ch, one, now); err != nil {
				t.Fatalf("%s TrainerChange %s: %v", lang, ch, err)
			}
			add(lang, m)
		}
		week, err := c.TrainerWeek(b.Trainer, time.Date(2026, 12, 7, 0, 0, 0, 0, loc), 2, []Booking{third, second, b}, now)
		if err != nil {
			t.Fatalf("%s TrainerWeek: %v", lang, err)
		}
		add(lang, week)
		empty, err := c.TrainerWeek(b.Trainer, time.Date(2026, 12, 14, 0, 0, 0, 0, loc), 3, nil, now)
		if err != nil {
			t.Fatalf("%s TrainerWeek without visits: %v", lang, err)
		}
		empty.Kind += ".empty"
		add(lang, empty)
		cr, err := c.ClinicReminder(b)
		if err != nil {
			t.Fatalf("%s ClinicReminder: %v", lang, err)
		}
		add(lang, cr)
		tr, err := c.TrainerReminder(b.Trainer, []Booking{second, b})
		if err != nil {
			t.Fatalf("%s TrainerReminder: %v", lang, err)
		}
		add(lang, tr)
		for _, m := range peopleMails(t, c, loc, lang) {
			add(lang, m)
		}
		feed, err := c.TrainerFeed(b.Trainer, []Booking{third, second, b}, now)
		if err != nil {
			t.Fatalf("%s TrainerFeed: %v", lang, err)
		}
		out = append(out, goldenFile{string(lang) + "/trainer.feed.ics", feed})
	}
	return out
}

// TestGolden compares every mail body and calendar byte for byte with its
// golden file, so that any change to a template or to the calendar writer
// shows up as a diff to review. Run with -update to accept a change.
func TestGolden(t *testing.T) {
	c, loc := newTestComposer(t)
	outputs := goldenOutputs(t, c, loc)
	if *update {
		if err := os.RemoveAll(goldenDir); err != nil {
			t.Fatal(err)
		}
		for _, f := range outputs {
			path := filepath.Join(goldenDir, f.name+goldenExt)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, f.data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("wrote %d golden files under %s", len(outputs), goldenDir)
		return
	}
	want := map[string]bool{}
	for _, f := range outputs {
		want[f.name] = true
		golden, err := os.ReadFile(filepath.Join(goldenDir, f.name+goldenExt))
		if err != nil {
			t.Errorf("%s: %v (run go test ./notify -update to create it)", f.name, err)
			continue
		}
		if !bytes.Equal(f.data, golden) {
			t.Errorf("%s differs from its golden file (run go test ./notify -update and review the diff):\n%s", f.name, firstDifference(golden, f.data))
		}
	}
	// A golden file nothing produces any more is a kind or language that
	// was dropped without its test.
	err := filepath.WalkDir(goldenDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(goldenDir, path)
		if err != nil {
			return err
		}
		if !want[strings.TrimSuffix(filepath.ToSlash(rel), goldenExt)] {
			t.Errorf("golden file %s is produced by nothing", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// firstDifference shows the first line where got departs from want.
func firstDifference(want, got []byte) string {
	wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := range max(len(wl), len(gl)) {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\n  golden: %q\n  got:    %q", i+1, w, g)
		}
	}
	return "(same lines; the line endings differ)"
}

// TestGoldenCatchesTemplateChanges: a one-word change to any mail template
// changes some golden output, so TestGolden fails until the change is
// reviewed and the files are regenerated.
func TestGoldenCatchesTemplateChanges(t *testing.T) {
	_, loc := newTestComposer(t)
	base := goldenOutputs(t, newComposerFrom(t, templates.Mail, loc), loc)
	var names []string
	err := fs.WalkDir(templates.Mail, "mail", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 2*12+1 {
		t.Fatalf("found only %d templates: %v", len(names), names)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			changed := fstest.MapFS{}
			for _, n := range names {
				data, err := fs.ReadFile(templates.Mail, n)
				if err != nil {
					t.Fatal(err)
				}
				if n == name {
					data = alterTemplate(t, data)
				}
				changed[n] = &fstest.MapFile{Data: data}
			}
			outputs := goldenOutputs(t, newComposerFrom(t, changed, loc), loc)
			if len(outputs) != len(base) {
				t.Fatalf("%d outputs, want %d", len(outputs), len(base))
			}
			for i := range outputs {
				if !bytes.Equal(outputs[i].data, base[i].data) {
					return
				}
			}
			t.Errorf("changing %s left every golden output as it was", name)
		})
	}
}

// alterTemplate adds a word to the first line of template text that
// renders (outside any {{action}}) in every template: the first text
// after a {{define}}.
func alterTemplate(t *testing.T, data []byte) []byte {
	t.Helper()
	s := string(data)
	i := strings.Index(s, "{{define")
	if i < 0 {
		i = 0
	} else {
		i += strings.Index(s[i:], "}}") + 2
	}
	return []byte(s[:i] + "CHANGED " + s[i:])
}

func newComposerFrom(t *testing.T, fsys fs.FS, loc *time.Location) *Composer {
	t.Helper()
	c, err := NewComposer(fsys, loc, ComposerConfig{
		BaseURL:   "https://fieldvisit.example/",
		ReplyTo:   "plan@centre.example",
		Organizer: Person{Name: "Учебный центр", Email: "plan@centre.example"},
	})
	if err != nil {
		t.Fatalf("NewComposer: %v", err)
	}
	return c
}

// peopleMails composes the mails about requests, change requests and
// absences in lang from fixed inputs.
func peopleMails(t *testing.T, c *Composer, loc *time.Location, lang Lang) []Message {
	t.Helper()
	coordinators := []string{"plan@centre.example"}
	req := sampleRequest(loc, lang)
	change := ChangeInfo{ID: "cr1", Request: req, Windows: []DayWindow{{Weekday: time.Thursday, Start: "09:00", End: "12:00"}},
		Comment: "mornings please", Reason: "No trainer is free on Thursdays"}
	absence := AbsenceInfo{ID: "ab1", Trainer: Trainer{ID: "t1", Name: "Мария Иванова"}, From: time.Date(2026, 12, 9, 0, 0, 0, 0, loc),
		To: time.Date(2026, 12, 10, 0, 0, 0, 0, loc), Reason: "болезнь", Affected: 3,
		ReleasedPins: []string{"pin of request r9 released: the trainer is absent"}, Diffs: []string{"https://fieldvisit.example/api/v1/plans/2026-12-07/4/diff"}}
	var out []Message
	for name, compose := range map[string]func() (Message, error){
		"RequestReceived":         func() (Message, error) { return c.RequestReceived(req) },
		"ChangeDeclined":          func() (Message, error) { return c.ChangeDeclined(change) },
		"CoordinatorChange":       func() (Message, error) { return c.CoordinatorChange(coordinators, lang, change) },
		"CoordinatorCancellation": func() (Message, error) { return c.CoordinatorCancellation(coordinators, lang, req) },
		"CoordinatorAbsence":      func() (Message, error) { return c.CoordinatorAbsence(coordinators, lang, absence) },
	} {
		m, err := compose()
		if err != nil {
			t.Fatalf("%s %s: %v", lang, name, err)
		}
		out = append(out, m)
	}
	return out
}
