package planning

import (
	"strings"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/scheduler"
)

// The engine explains a left-out stop with codes and indexes into the
// problem (scheduler.Explanation); the plan stores the same codes with
// the names, dates and times people know (models.ExplainNote), and
// models puts them into words in the reader's language when the plan is
// read. The English words are stored too, for tools that print a plan
// without a reader.

// unassigned converts the engine's entry for a left-out stop.
func unassigned(p *scheduler.Problem, idx *Index, u scheduler.Unassigned) models.Unassigned {
	req := idx.StopRequests[u.Stop]
	out := models.Unassigned{
		RequestID: req.ID,
		ClinicID:  req.ClinicID,
		Kind:      req.Kind,
		Topic:     req.Topic,
		Priority:  req.Priority,
		Reason:    string(u.Reason),
		Detail:    u.Detail,
	}
	if c := idx.Clinics[req.ClinicID]; c != nil {
		out.ClinicName = c.Name
	}
	n := &noter{p: p, idx: idx}
	e := u.Explanation
	if e == nil {
		// Only an engine's caller that made the solution by hand leaves
		// it unexplained: keep its English, with trainers named.
		out.Detail, out.Relaxation = n.names().Replace(u.Detail), n.names().Replace(u.Relaxation)
		return out
	}
	why := n.note(e.Why)
	if pin := p.Stops[u.Stop].Pin; pin != nil {
		why.Pin = n.pin(pin)
	}
	out.Why = &why
	for _, f := range e.Fixes {
		out.Fixes = append(out.Fixes, n.note(f))
	}
	out.NoSmallChange = e.Searched && len(e.Fixes) == 0 && e.Why.Code != scheduler.NoteFitsMissed &&
		e.Why.Code != scheduler.NotePinFitsMissed && e.Why.Code != scheduler.NoteInterrupted &&
		e.Why.Code != scheduler.NoteUnexplained
	out.Localize("en")
	out.Relaxations, out.Summary = nil, ""
	return out
}

// noter converts notes of one problem.
type noter struct {
	p   *scheduler.Problem
	idx *Index
}

func (n *noter) note(s scheduler.Note) models.ExplainNote {
	m := models.ExplainNote{Code: string(s.Code), Skills: s.Skills, Counts: s.Counts, Amount: int(s.Amount), Minutes: int(s.Size)}
	for _, r := range s.Routes {
		m.Routes = append(m.Routes, n.route(r))
	}
	for _, v := range s.Vehicles {
		m.Trainers = append(m.Trainers, n.trainer(v))
	}
	for _, st := range s.Stops {
		ref := models.NoteRef{}
		if st >= 0 {
			req := n.idx.StopRequests[st]
			ref.ID = req.ID
			if c := n.idx.Clinics[req.ClinicID]; c != nil {
				ref.Name = c.Name
			}
		}
		m.Requests = append(m.Requests, ref)
	}
	for _, w := range s.Windows {
		m.Windows = append(m.Windows, models.NoteWindow{Date: n.date(w.Start), From: n.clock(w.Start), To: n.clock(w.End)})
	}
	switch s.Code {
	case scheduler.NoteFixShiftEnd, scheduler.NoteFixShiftStart, scheduler.NoteFixPinTime:
		m.Time, m.Was = n.clock(s.Time), n.clock(s.Was)
		if s.Shift >= 0 && len(s.Routes) > 0 {
			sh := n.p.Routes[s.Routes[0]].Shifts[s.Shift]
			m.Shift = n.clock(sh.Start) + "–" + n.clock(sh.End)
		}
	case scheduler.NoteFixLoad:
		m.Before = int(s.Was)
	case scheduler.NoteFixDueDay, scheduler.NoteFixEarliestDay:
		if s.Day >= 0 && s.Day < len(n.idx.Dates) {
			m.Date = n.idx.Dates[s.Day]
		}
	}
	return m
}

// route names trainer-day r.
func (n *noter) route(r int) models.NoteRoute {
	out := models.NoteRoute{Trainer: n.trainer(n.p.Routes[r].Vehicle)}
	if r < len(n.idx.RouteDates) {
		out.Date = n.idx.RouteDates[r]
	}
	return out
}

// trainer names a trainer by id.
func (n *noter) trainer(id string) models.NoteRef {
	for _, t := range n.idx.RouteTrainers {
		if t != nil && t.ID == id {
			return models.NoteRef{ID: id, Name: t.Name}
		}
	}
	return models.NoteRef{ID: id}
}

func (n *noter) pin(p *scheduler.Pin) *models.NotePin {
	out := &models.NotePin{}
	if p.Vehicle != "" {
		t := n.trainer(p.Vehicle)
		out.Trainer = &t
	}
	if p.HasDay && p.Day >= 0 && p.Day < len(n.idx.Dates) {
		out.Date = n.idx.Dates[p.Day]
	}
	if p.HasStart {
		out.Time = n.clock(p.Start)
		if out.Date == "" {
			out.Date = n.date(p.Start)
		}
	}
	return out
}

// names replaces "trainer <id>" by "trainer <name>" in English text.
func (n *noter) names() *strings.Replacer {
	var pairs []string
	seen := map[string]bool{}
	for _, t := range n.idx.RouteTrainers {
		if t != nil && !seen[t.ID] && t.Name != "" {
			seen[t.ID] = true
			pairs = append(pairs, "trainer "+t.ID, "trainer "+t.Name)
		}
	}
	return strings.NewReplacer(pairs...)
}

// at is the instant of problem time sec in the service's time zone.
func (n *noter) at(sec int64) time.Time {
	return n.idx.Origin.Add(time.Duration(sec) * time.Second).In(n.idx.Location)
}

func (n *noter) clock(sec int64) string { return n.at(sec).Format("15:04") }

func (n *noter) date(sec int64) models.Date { return models.DateOf(n.at(sec), n.idx.Location) }
