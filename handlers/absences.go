package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/notify"
)

// AbsenceStore keeps trainers' absences.
type AbsenceStore interface {
	CreateAbsence(ctx context.Context, a *models.Absence) error
	Absence(ctx context.Context, id string) (*models.Absence, error)
	Absences(ctx context.Context, trainerID string) ([]models.Absence, error)
	SetAbsenceOutcome(ctx context.Context, a *models.Absence) error
	DeleteAbsence(ctx context.Context, id string) error
}

// AbsenceParams is the body of POST /trainers/{id}/absences.
type AbsenceParams struct {
	From   models.Date `json:"from"`
	To     models.Date `json:"to"`
	Reason string      `json:"reason"`
}

// absenceNote marks the day-off overrides an absence wrote, so deleting it
// removes exactly those.
func absenceNote(a *models.Absence) string {
	note := "absence " + a.ID
	if a.Reason != "" {
		note += ": " + clip(a.Reason, 200)
	}
	return note
}

// availabilityRetries bounds how often an absence re-reads a trainer whose
// availability changed under it before giving up with 409.
const availabilityRetries = 3

// absenceTrainer loads the trainer of an absence route; a trainer may only
// name themself.
func (s *Server) absenceTrainer(c *gin.Context) (*models.Trainer, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	if p := caller(c); p.is(models.RoleTrainer) && p.user.TrainerID != id {
		return nil, forbidden("a trainer records and reads only their own absences")
	}
	t, err := s.trainers.Trainer(c, id)
	if err != nil {
		return nil, fmt.Errorf("load trainer %s: %w", id, err)
	}
	return t, nil
}

// listAbsences answers a trainer's absences, earliest first.
func (s *Server) listAbsences(c *gin.Context) error {
	if err := knownQuery(c.Request.URL.Query()); err != nil {
		return err
	}
	t, err := s.absenceTrainer(c)
	if err != nil {
		return err
	}
	items, err := s.absences.Absences(c, t.ID)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, list[models.Absence]{Items: nonNil(items)})
	return nil
}

// createAbsence records a trainer's absence: the days become days off in
// their availability, their booked visits in the range are listed as
// needing a new slot, a coordinator's pin on an absent day is released
// (and said so), every affected week that has a plan gets a repair draft at
// once, and the coordinators are e-mailed links to preview the drafts.
func (s *Server) createAbsence(c *gin.Context) error {
	t, err := s.absenceTrainer(c)
	if err != nil {
		return err
	}
	var p AbsenceParams
	if err := bindJSON(c, &p); err != nil {
		return err
	}
	a, err := s.recordAbsence(c, t, p)
	if err != nil {
		return err
	}
	c.Header("Location", c.Request.URL.Path+"/"+a.ID)
	writeJSON(c, http.StatusCreated, a)
	return nil
}

// recordAbsence records trainer t's absence (see createAbsence); shared by
// the API and the trainer's availability page.
func (s *Server) recordAbsence(c *gin.Context, t *models.Trainer, p AbsenceParams) (*models.Absence, error) {
	a := &models.Absence{TrainerID: t.ID, From: p.From, To: p.To, Reason: p.Reason, CreatedBy: caller(c).user.ID}
	if err := a.Validate(s.today()); err != nil {
		return nil, err
	}
	existing, err := s.absences.Absences(c, t.ID)
	if err != nil {
		return nil, err
	}
	for _, o := range existing {
		if o.From <= a.To && a.From <= o.To {
			return nil, &models.ConflictError{Message: fmt.Sprintf("the trainer is absent %s–%s already (absence %s); delete it first to change it", o.From, o.To, o.ID)}
		}
	}
	affected, err := s.visits.Visits(c, models.VisitFilter{TrainerID: t.ID, From: a.From.Time(s.loc),
		To: a.To.AddDays(1).Time(s.loc), Statuses: []models.VisitStatus{models.VisitScheduled}})
	if err != nil {
		return nil, fmt.Errorf("list the visits of trainer %s: %w", t.ID, err)
	}
	for _, v := range affected {
		a.AffectedVisits = append(a.AffectedVisits, v.ID)
	}
	// The absence is stored first, so the days off it writes can name it;
	// should they fail, it is removed again. It keeps the trainer's own
	// overrides it replaces from the start, so that a crash before the
	// outcome is recorded still lets deleting it put them back.
	days := a.Days()
	for _, o := range t.Overrides {
		if slices.Contains(days, o.Date) {
			a.Replaced = append(a.Replaced, o)
		}
	}
	if err := s.absences.CreateAbsence(c, a); err != nil {
		return nil, err
	}
	ctx := context.WithoutCancel(c)
	if err := s.setAbsentDays(ctx, t, a); err != nil {
		if derr := s.absences.DeleteAbsence(ctx, a.ID); derr != nil {
			s.log.WarnContext(ctx, "removing a half-recorded absence failed", "absence", a.ID, "error", derr)
		}
		return nil, err
	}
	if a.ReleasedPins, err = s.releasePins(ctx, t, a); err != nil {
		return nil, err
	}
	a.Drafts = s.repairWeeks(ctx, a.Weeks(), "absence:"+a.ID)
	if err := s.absences.SetAbsenceOutcome(ctx, a); err != nil {
		return nil, err
	}
	s.mailAbsence(ctx, t, a)
	summary := fmt.Sprintf("%s absent %s–%s", t.Name, a.From, a.To)
	if a.Reason != "" {
		summary += " (" + a.Reason + ")"
	}
	summary += fmt.Sprintf(": days off in availability; %d booked visits need a new slot; %d pins released; %d repair drafts",
		len(a.AffectedVisits), len(a.ReleasedPins), len(a.Drafts))
	noteAudit(c, "absence.create", "absence", a.ID, summary)
	return a, nil
}

// setAbsentDays turns the absence's days into days off, remembering the
// trainer's own overrides of those days. A trainer changed meanwhile is
// read again, a few times.
func (s *Server) setAbsentDays(ctx context.Context, t *models.Trainer, a *models.Absence) error {
	for attempt := 1; ; attempt++ {
		days := a.Days()
		av := t.Availability
		av.Overrides = nil
		a.Replaced = nil
		for _, o := range t.Overrides {
			if slices.Contains(days, o.Date) {
				a.Replaced = append(a.Replaced, o)
				continue
			}
			av.Overrides = append(av.Overrides, o)
		}
		for _, d := range days {
			av.Overrides = append(av.Overrides, models.DateOverride{Date: d, Off: true, Note: absenceNote(a)})
		}
		slices.SortFunc(av.Overrides, func(x, y models.DateOverride) int { return strings.Compare(string(x.Date), string(y.Date)) })
		_, err := s.trainers.UpdateAvailability(ctx, t.ID, t.Version, av)
		if err == nil || !errors.Is(err, models.ErrConflict) || attempt == availabilityRetries {
			if err != nil {
				return fmt.Errorf("mark trainer %s absent: %w", t.ID, err)
			}
			return nil
		}
		if t, err = s.trainers.Trainer(ctx, t.ID); err != nil {
			return fmt.Errorf("mark trainer %s absent: %w", t.ID, err)
		}
	}
}

// releasePins takes off every open request's pin to the absent trainer on
// one of the absent days (a pin to the trainer alone, or to a day alone,
// still holds) and says so, one line each.
func (s *Server) releasePins(ctx context.Context, t *models.Trainer, a *models.Absence) ([]models.ReleasedPin, error) {
	var out []models.ReleasedPin
	f := models.RequestFilter{Statuses: []models.Status{models.StatusNew, models.StatusPlanned, models.StatusConfirmed}, From: a.From, To: a.To}
	page := models.Page{Limit: models.MaxPageSize}
	for {
		reqs, err := s.requests.Requests(ctx, f, page)
		if err != nil {
			return out, fmt.Errorf("find pins on trainer %s: %w", t.ID, err)
		}
		for i := range reqs {
			r := &reqs[i]
			if r.Pin == nil || r.Pin.TrainerID != t.ID || r.Pin.Date == "" || r.Pin.Date < a.From || r.Pin.Date > a.To {
				continue
			}
			pin := *r.Pin
			r.Pin = nil
			if err := s.requests.UpdateRequest(ctx, r); err != nil {
				return out, fmt.Errorf("release the pin of request %s: %w", r.ID, err)
			}
			out = append(out, models.ReleasedPin{RequestID: r.ID, Pin: pin,
				Note: fmt.Sprintf("pin of request %s (%s) to %s on %s released: the trainer is absent", r.ID, r.Topic, t.Name, pin.Date)})
		}
		if len(reqs) < page.Limit {
			return out, nil
		}
		page.After = reqs[len(reqs)-1].ID
	}
}

// repairWeeks plans each week that has a plan already, through the same
// entry point as POST /plans/{week}/run, and answers the drafts made. A
// week without a plan needs none: its first run sees the change. A failed
// run is logged; the coordinator can run the week by hand.
func (s *Server) repairWeeks(ctx context.Context, weeks []models.Date, trigger string) []models.PlanRef {
	drafts := []models.PlanRef{}
	if s.planner == nil {
		return drafts
	}
	for _, w := range weeks {
		if s.weekInReach(w) != nil {
			continue
		}
		if _, err := s.plans.LatestPlan(ctx, w); err != nil {
			if !errors.Is(err, models.ErrNotFound) {
				s.log.WarnContext(ctx, "looking up the plan of an affected week failed", "week", w, "error", err)
			}
			continue
		}
		plan, err := s.planner.Plan(ctx, w, trigger)
		if err != nil {
			s.log.WarnContext(ctx, "the repair run failed; run the week by hand", "week", w, "trigger", trigger, "error", err)
			continue
		}
		drafts = append(drafts, models.PlanRef{Week: plan.Week, Version: plan.Version, DiffURL: s.diffURL(plan.Week, plan.Version)})
	}
	return drafts
}

// mailAbsence tells the coordinators of the absence.
func (s *Server) mailAbsence(ctx context.Context, t *models.Trainer, a *models.Absence) {
	to, lang := s.coordinators(ctx)
	if len(to) == 0 {
		return
	}
	info := notify.AbsenceInfo{ID: a.ID, Trainer: notify.Trainer{ID: t.ID, Name: t.Name, Email: t.Email, Lang: notify.Lang(t.Lang)},
		From: a.From.Time(s.loc), To: a.To.Time(s.loc), Reason: a.Reason, Affected: len(a.AffectedVisits)}
	for _, p := range a.ReleasedPins {
		info.ReleasedPins = append(info.ReleasedPins, p.Note)
	}
	for _, d := range a.Drafts {
		// People read the preview page; the API answer keeps the JSON diff.
		info.Diffs = append(info.Diffs, s.previewPageURL(d.Week, d.Version))
	}
	s.enqueue(ctx, "absence "+a.ID, func(m PeopleComposer) (notify.Message, error) {
		return m.CoordinatorAbsence(to, lang, info)
	})
}

// deleteAbsence withdraws an absence: the days off it wrote go, the
// trainer's own overrides of those days come back. Plans are not re-run:
// visits already moved stay moved until the coordinator re-plans.
func (s *Server) deleteAbsence(c *gin.Context) error {
	if err := s.removeAbsence(c); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// removeAbsence deletes the absence named by the path (:id, :absence) for
// the API and the board alike.
func (s *Server) removeAbsence(c *gin.Context) error {
	t, err := s.absenceTrainer(c)
	if err != nil {
		return err
	}
	return s.withdrawAbsence(c, t, c.Param("absence"))
}

// withdrawAbsence deletes trainer t's absence aid and gives the days back
// (their own overrides included); shared by the API, the board and the
// trainer's availability page.
func (s *Server) withdrawAbsence(c *gin.Context, t *models.Trainer, aid string) error {
	if !models.ValidID(aid) {
		return badRequest("absence", "the absence id in the path must be 24 hexadecimal digits")
	}
	a, err := s.absences.Absence(c, aid)
	if err != nil {
		return err
	}
	if a.TrainerID != t.ID {
		return fmt.Errorf("absence %s of another trainer: %w", aid, models.ErrNotFound)
	}
	ctx := context.WithoutCancel(c)
	for attempt := 1; ; attempt++ {
		av := t.Availability
		av.Overrides = nil
		for _, o := range t.Overrides {
			if !(o.Off && o.Note == absenceNote(a)) {
				av.Overrides = append(av.Overrides, o)
			}
		}
		for _, r := range a.Replaced {
			if !slices.ContainsFunc(av.Overrides, func(o models.DateOverride) bool { return o.Date == r.Date }) {
				av.Overrides = append(av.Overrides, r)
			}
		}
		slices.SortFunc(av.Overrides, func(x, y models.DateOverride) int { return strings.Compare(string(x.Date), string(y.Date)) })
		_, err = s.trainers.UpdateAvailability(ctx, t.ID, t.Version, av)
		if err == nil || !errors.Is(err, models.ErrConflict) || attempt == availabilityRetries {
			break
		}
		if t, err = s.trainers.Trainer(ctx, t.ID); err != nil {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("give trainer %s the days of absence %s back: %w", t.ID, a.ID, err)
	}
	if err := s.absences.DeleteAbsence(ctx, a.ID); err != nil {
		return err
	}
	noteAudit(c, "absence.delete", "absence", a.ID, fmt.Sprintf("%s no longer absent %s–%s; days restored in availability", t.Name, a.From, a.To))
	return nil
}
