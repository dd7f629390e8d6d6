package handlers

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/notify"
)

// PeopleComposer writes the e-mails about requests, change requests and
// absences (notify.Composer).
type PeopleComposer interface {
	RequestReceived(r notify.RequestInfo) (notify.Message, error)
	ChangeDeclined(ch notify.ChangeInfo) (notify.Message, error)
	CoordinatorChange(to []string, lang notify.Lang, ch notify.ChangeInfo) (notify.Message, error)
	CoordinatorCancellation(to []string, lang notify.Lang, r notify.RequestInfo) (notify.Message, error)
	CoordinatorAbsence(to []string, lang notify.Lang, a notify.AbsenceInfo) (notify.Message, error)
}

// MailQueue puts e-mails into the outbox, keyed by the change they report.
type MailQueue interface {
	EnqueueMail(ctx context.Context, m *models.OutboxMessage) (created bool, err error)
}

// VisitByID loads one published visit (its id is its request's).
type VisitByID interface {
	Visit(ctx context.Context, id string) (*models.Visit, error)
}

// enqueue composes one mail and puts it in the outbox under its message
// id, so a retried call never sends it twice. The change it reports is
// made already: a failure is logged, not answered.
func (s *Server) enqueue(ctx context.Context, what string, compose func(PeopleComposer) (notify.Message, error)) {
	if s.mail == nil {
		return
	}
	m, err := compose(s.mail)
	if err == nil {
		msg := &models.OutboxMessage{ID: m.ID, Kind: m.Kind,
			Mail: models.Mail{To: m.To, ReplyTo: m.ReplyTo, Subject: m.Subject, Text: m.Text, HTML: m.HTML}}
		_, err = s.mailQueue.EnqueueMail(context.WithoutCancel(ctx), msg)
	}
	if err != nil {
		s.log.WarnContext(ctx, "an e-mail could not be queued", "mail", what, "error", err)
	}
}

// coordinators are the addresses coordinators' mail goes to: the
// configured one, else every coordinator account's (in the first one's
// language).
func (s *Server) coordinators(ctx context.Context) ([]string, notify.Lang) {
	if s.mail == nil {
		return nil, "" // no mail is sent: nobody to look up
	}
	if s.coordinatorEmail != "" {
		return []string{s.coordinatorEmail}, ""
	}
	var to []string
	var lang notify.Lang
	page := models.Page{Limit: models.MaxPageSize}
	for {
		users, err := s.users.Users(ctx, page)
		if err != nil {
			s.log.WarnContext(ctx, "listing coordinators to e-mail failed", "error", err)
			return to, lang
		}
		for _, u := range users {
			if u.Role == models.RoleCoordinator && !slices.Contains(to, u.Email) {
				to = append(to, u.Email)
				if lang == "" {
					lang = notify.Lang(u.Lang)
				}
			}
		}
		if len(users) < page.Limit {
			return to, lang
		}
		page.After = users[len(users)-1].ID
	}
}

// requestInfo describes a request for the mails.
func (s *Server) requestInfo(ctx context.Context, r *models.Request) notify.RequestInfo {
	info := notify.RequestInfo{ID: r.ID, Kind: notify.Kind(r.Kind), Topic: r.Topic, Comment: r.Comment,
		Windows: dayWindows(r.PreferredWindows)}
	if r.EarliestDate.Valid() && r.DueDate.Valid() {
		info.Earliest, info.Due = r.EarliestDate.Time(s.loc), r.DueDate.Time(s.loc)
	}
	if cl, err := s.clinics.Clinic(ctx, r.ClinicID); err == nil {
		info.Clinic = notify.Clinic{ID: cl.ID, Name: cl.Name, Address: cl.Place.Address, Emails: cl.ContactEmails, Lang: notify.Lang(cl.Lang)}
	}
	return info
}

// dayWindows lists a week's windows, Monday first.
func dayWindows(w models.Week) []notify.DayWindow {
	var out []notify.DayWindow
	for _, d := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday} {
		for _, win := range w.Day(d) {
			out = append(out, notify.DayWindow{Weekday: d, Start: win.Start.String(), End: win.End.String()})
		}
	}
	return out
}

// diffURL is where a coordinator previews what publishing a plan version
// would change.
func (s *Server) diffURL(week models.Date, version int) string {
	return fmt.Sprintf("%s/api/v1/plans/%s/%d/diff", s.baseURL, week, version)
}
