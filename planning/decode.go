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
	at := func(sec int64) time.Time { return idx.Origin.Add(time.Duration(sec) * time.Second).UTC() }
	plan := &models.Plan{
		Week:       idx.Week,
		Routes:     []models.PlanRoute{},
		Unassigned: []models.Unassigned{},
		Warnings:   append([]string(nil), idx.Warnings...),
		KPIs:       models.PlanKPIs{ByPriority: map[models.Priority]models.PriorityKPI{}},
	}
	kpi := &plan.KPIs
	count := func(r *models.Request, scheduled bool) {
		k := kpi.ByPriority[r.Priority]
		k.Total++
		kpi.Requests++
		if scheduled {
			k.Scheduled++
			kpi.Scheduled++
		}
		kpi.ByPriority[r.Priority] = k
	}
	placed := map[int]struct {
		vehicle string
		day     int
	}{}

	for _, rp := range sol.Routes {
		if len(rp.Visits) == 0 {
			continue
		}
		route := &p.Routes[rp.Route]
		m := &p.Matrices[route.Profile]
		trainer := idx.RouteTrainers[rp.Route]
		pr := models.PlanRoute{
			TrainerID:   trainer.ID,
			TrainerName: trainer.Name,
			Date:        idx.RouteDates[rp.Route],
			Depart:      at(rp.Depart),
			Return:      at(rp.Return),
			Stops:       make([]models.PlanStop, 0, len(rp.Visits)),
			WorkMinutes: minutes(rp.Return - rp.Depart),
		}
		if rp.HasBreak && route.Break != nil {
			start, end := at(rp.BreakStart), at(rp.BreakStart+route.Break.Duration)
			pr.BreakStart, pr.BreakEnd = &start, &end
		}
		var travelSec int64
		prev := route.StartLoc
		for _, v := range rp.Visits {
			stop := &p.Stops[v.Stop]
			req := idx.StopRequests[v.Stop]
			clinic := idx.Clinics[req.ClinicID]
			leg := m.At(prev, stop.Loc)
			travelSec += leg
			prev = stop.Loc
			_, pinned := idx.PinSources[req.ID]
			pr.Stops = append(pr.Stops, models.PlanStop{
				RequestID:     req.ID,
				ClinicID:      clinic.ID,
				ClinicName:    clinic.Name,
				Address:       clinic.Place.Address,
				Kind:          req.Kind,
				Topic:         req.Topic,
				Priority:      req.Priority,
				Arrive:        at(v.Arrive),
				Start:         at(v.Start),
				End:           at(v.End),
				TravelMinutes: minutes(leg),
				Pinned:        pinned,
			})
			count(req, true)
			placed[v.Stop] = struct {
				vehicle string
				day     int
			}{route.Vehicle, route.Day}
		}
		travelSec += m.At(prev, route.EndLoc)
		pr.TravelMinutes = minutes(travelSec)
		kpi.TravelMinutes += pr.TravelMinutes
		kpi.WorkMinutes += pr.WorkMinutes
		kpi.TrainerDays++
		plan.Routes = append(plan.Routes, pr)
	}

	for _, u := range sol.Unassigned {
		count(idx.StopRequests[u.Stop], false)
		plan.Unassigned = append(plan.Unassigned, unassigned(p, idx, u))
	}
	for _, u := range idx.Unplaceable {
		kpi.Requests++
		k := kpi.ByPriority[u.Priority]
		k.Total++
		kpi.ByPriority[u.Priority] = k
		plan.Unassigned = append(plan.Unassigned, u)
	}

	// People read a plan day by day, and the unassigned list most urgent
	// first.
	slices.SortStableFunc(plan.Routes, func(a, b models.PlanRoute) int {
		return cmp.Or(cmp.Compare(a.Date, b.Date), cmp.Compare(a.TrainerName, b.TrainerName), cmp.Compare(a.TrainerID, b.TrainerID))
	})
	slices.SortStableFunc(plan.Unassigned, func(a, b models.Unassigned) int {
		return cmp.Compare(priority(a.Priority), priority(b.Priority))
	})

	// A move is a request whose trainer or day differs from the published
	// plan, counting one that drops out of it.
	for i := range p.Stops {
		prev := p.Stops[i].Previous
		if prev == nil {
			continue
		}
		if got, ok := placed[i]; !ok || got.vehicle != prev.Vehicle || got.day != prev.Day {
			kpi.Moved++
		}
	}
	return plan
}

// minutes rounds seconds to the nearest minute.
func minutes(sec int64) int { return int((sec + 30) / 60) }
