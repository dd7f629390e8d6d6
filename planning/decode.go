package planning

import (
	"cmp"
	"slices"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
	"github.com/fieldvisit/fieldvisit/scheduler"
)

// Decode turns the engine's solution of p (built by Build with idx) into a
// plan: routes with their stops at local instants (stored in UTC), travel
// and working minutes, every request left out with its reason, and the
// plan's figures. The plan carries idx's warnings; Week, Status and the
// version are left for the caller and the store.
func Decode(p *scheduler.Problem, idx *Index, sol *scheduler.Solution) *models.Plan {
	d := decoder{
		p: p, idx: idx,
		plan: &models.Plan{
			Week:       idx.Week,
			Routes:     []models.PlanRoute{},
			Unassigned: []models.Unassigned{},
			Warnings:   append([]string(nil), idx.Warnings...),
			KPIs:       models.PlanKPIs{ByPriority: map[models.Priority]models.PriorityKPI{}},
		},
		placed: map[int]placement{},
	}
	for _, rp := range sol.Routes {
		if len(rp.Visits) > 0 {
			d.route(rp)
		}
	}
	d.unassigned(sol.Unassigned)
	sortForReading(d.plan)
	d.plan.KPIs.Moved = d.moved()
	return d.plan
}

// decoder holds what Decode builds while it walks a solution.
type decoder struct {
	p    *scheduler.Problem
	idx  *Index
	plan *models.Plan
	// placed records where each scheduled stop went, for counting moves.
	placed map[int]placement
}

// placement is the trainer-day and start a stop was scheduled at.
type placement struct {
	vehicle string
	day     int
	start   int64
}

// at turns engine time (seconds since the week's origin) into an instant.
func (d *decoder) at(sec int64) time.Time {
	return d.idx.Origin.Add(time.Duration(sec) * time.Second).UTC()
}

// count adds request r to the plan's figures.
func (d *decoder) count(r *models.Request, scheduled bool) {
	kpi := &d.plan.KPIs
	k := kpi.ByPriority[r.Priority]
	k.Total++
	kpi.Requests++
	if scheduled {
		k.Scheduled++
		kpi.Scheduled++
	}
	kpi.ByPriority[r.Priority] = k
}

// route adds one used route with its stops, travel and working time.
func (d *decoder) route(rp scheduler.RoutePlan) {
	p, idx := d.p, d.idx
	route := &p.Routes[rp.Route]
	m := &p.Matrices[route.Profile]
	trainer := idx.RouteTrainers[rp.Route]
	pr := models.PlanRoute{
		TrainerID:   trainer.ID,
		TrainerName: trainer.Name,
		Date:        idx.RouteDates[rp.Route],
		Depart:      d.at(rp.Depart),
		Return:      d.at(rp.Return),
		Stops:       make([]models.PlanStop, 0, len(rp.Visits)),
		WorkMinutes: minutes(rp.Return - rp.Depart),
	}
	if rp.HasBreak && route.Break != nil {
		start, end := d.at(rp.BreakStart), d.at(rp.BreakStart+route.Break.Duration)
		pr.BreakStart, pr.BreakEnd = &start, &end
	}
	var travelSec int64
	prev := route.StartLoc
	for _, v := range rp.Visits {
		stop := &p.Stops[v.Stop]
		leg := m.At(prev, stop.Loc)
		travelSec += leg
		prev = stop.Loc
		pr.Stops = append(pr.Stops, d.stop(v, leg))
		d.placed[v.Stop] = placement{route.Vehicle, route.Day, v.Start}
	}
	travelSec += m.At(prev, route.EndLoc)
	pr.TravelMinutes = minutes(travelSec)
	kpi := &d.plan.KPIs
	kpi.TravelMinutes += pr.TravelMinutes
	kpi.WorkMinutes += pr.WorkMinutes
	kpi.TrainerDays++
	d.plan.Routes = append(d.plan.Routes, pr)
}

// stop returns the plan's stop for visit v, reached after leg seconds of
// travel, and counts its request as scheduled.
func (d *decoder) stop(v scheduler.Visit, leg int64) models.PlanStop {
	req := d.idx.StopRequests[v.Stop]
	clinic := d.idx.Clinics[req.ClinicID]
	_, pinned := d.idx.PinSources[req.ID]
	d.count(req, true)
	if v.OutsidePreferred {
		d.plan.KPIs.OutsidePreferred++
	}
	return models.PlanStop{
		RequestID:     req.ID,
		ClinicID:      clinic.ID,
		ClinicName:    clinic.Name,
		Address:       clinic.Place.Address,
		Kind:          req.Kind,
		Topic:         req.Topic,
		Priority:      req.Priority,
		Arrive:        d.at(v.Arrive),
		Start:         d.at(v.Start),
		End:           d.at(v.End),
		TravelMinutes: minutes(leg),
		Pinned:        pinned,

		OutsidePreferred: v.OutsidePreferred,
	}
}

// unassigned adds the requests the engine left out, explained in codes and
// names (planning/explain.go), and those Build could not turn into a stop.
func (d *decoder) unassigned(us []scheduler.Unassigned) {
	for _, u := range us {
		d.count(d.idx.StopRequests[u.Stop], false)
		d.plan.Unassigned = append(d.plan.Unassigned, unassigned(d.p, d.idx, u))
	}
	kpi := &d.plan.KPIs
	for _, u := range d.idx.Unplaceable {
		kpi.Requests++
		k := kpi.ByPriority[u.Priority]
		k.Total++
		kpi.ByPriority[u.Priority] = k
		d.plan.Unassigned = append(d.plan.Unassigned, u)
	}
}

// sortForReading orders the plan the way people read it: day by day, and
// the unassigned list most urgent first.
func sortForReading(plan *models.Plan) {
	slices.SortStableFunc(plan.Routes, func(a, b models.PlanRoute) int {
		return cmp.Or(cmp.Compare(a.Date, b.Date), cmp.Compare(a.TrainerName, b.TrainerName), cmp.Compare(a.TrainerID, b.TrainerID))
	})
	slices.SortStableFunc(plan.Unassigned, func(a, b models.Unassigned) int {
		return cmp.Compare(priority(a.Priority), priority(b.Priority))
	})
}

// moved counts the requests whose trainer, day or start time differs from
// the published plan, counting one that drops out of it: the engine's
// Cost.Moves, and what publishing tells clinics about.
func (d *decoder) moved() int {
	n := 0
	for i := range d.p.Stops {
		prev := d.p.Stops[i].Previous
		if prev == nil {
			continue
		}
		if got, ok := d.placed[i]; !ok || got.vehicle != prev.Vehicle || got.day != prev.Day || got.start != prev.Start {
			n++
		}
	}
	return n
}

// minutes rounds seconds to the nearest minute.
func minutes(sec int64) int { return int((sec + 30) / 60) }
