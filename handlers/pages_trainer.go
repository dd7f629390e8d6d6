package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

// weekView is the data of the trainer's week.
type weekView struct {
	Monday, Today models.Date
	From, To      time.Time
	Prev, Next    string
	ThisWeek      string // the link back to this week, when another is shown
	TileURL       string
	Days          []dayView
	Visits        int
	Published     bool
}

// dayView is one day of the trainer's week: its timeline and map.
type dayView struct {
	Date  models.Date
	Time  time.Time
	Today bool
	// Past days fold away, so that a phone opens on today.
	Past bool
	// Depart and Return are the day's start and end (from the published
	// route; else the first visit's start and the last one's end).
	Depart, Return   time.Time
	From, To         string // start and end addresses
	ReturnTravel     int
	HasRoute         bool
	Items            []dayItem
	Stops            int
	Map              mapView
	TravelMinutes    int
	TravelMode       models.TravelMode
	BreakStart       time.Time
	BreakEnd         time.Time
	HasBreak         bool
	FirstStart       time.Time
	LastEnd          time.Time
	DoneStops        int
	HasScheduledStop bool
}

// dayItem is one entry of a day's timeline: a stop or the lunch break.
type dayItem struct {
	Stop               *stopView
	LunchFrom, LunchTo time.Time
}

// weekPage answers GET /week[/{monday}]: the trainer's published visits of
// the week, day by day, with the published route's travel and lunch.
func (s *Server) weekPage(c *gin.Context) error {
	if s.fieldStore == nil {
		return errFieldPagesOff
	}
	today := s.today()
	monday := today.Monday()
	if c.Param("monday") != "" {
		var err error
		if monday, err = mondayParam(c); err != nil {
			return err
		}
	}
	trainerID := caller(c).user.TrainerID
	tr, err := s.trainers.Trainer(c, trainerID)
	if err != nil {
		return fmt.Errorf("load trainer %s: %w", trainerID, err)
	}
	visits, err := s.visits.Visits(c, models.VisitFilter{Week: monday, TrainerID: trainerID,
		Statuses: []models.VisitStatus{models.VisitScheduled, models.VisitDone}})
	if err != nil {
		return fmt.Errorf("list visits of trainer %s: %w", trainerID, err)
	}
	plan, err := s.publishedPlan(c, monday)
	if err != nil {
		return err
	}
	w := weekView{Monday: monday, Today: today, From: monday.Time(s.loc), To: monday.AddDays(6).Time(s.loc),
		Prev: "/week/" + string(monday.AddDays(-7)), Next: "/week/" + string(monday.AddDays(7)),
		TileURL: s.tileURL, Visits: len(visits), Published: plan != nil}
	if monday != today.Monday() {
		w.ThisWeek = "/week"
	}
	cc := s.newClinicCache(c)
	for i := range 7 {
		d := monday.AddDays(i)
		var dayVisits []*models.Visit
		for j := range visits {
			if visits[j].Date == d {
				dayVisits = append(dayVisits, &visits[j])
			}
		}
		route := routeOf(plan, trainerID, d)
		if len(dayVisits) == 0 && (i >= 5) {
			continue // weekends without visits are not worth a row
		}
		day, err := s.buildDay(d, tr, route, dayVisits, cc)
		if err != nil {
			return err
		}
		day.Today, day.Past = d == today, d < today
		day.Map.ID, day.Map.TileURL = "map-"+string(d), s.tileURL
		w.Days = append(w.Days, day)
	}
	return s.render(c, http.StatusOK, "week", "", w, nil)
}

// buildDay lays out one trainer-day: start, stops with the travel before
// each, lunch where the route put it, end.
func (s *Server) buildDay(d models.Date, tr *models.Trainer, route *models.PlanRoute, visits []*models.Visit, cc *clinicCache) (dayView, error) {
	day := dayView{Date: d, Time: d.Time(s.loc), TravelMode: tr.TravelMode,
		From: tr.StartPlace.Address, To: tr.EndPlace.Address}
	stops := make([]stopView, 0, len(visits))
	for _, v := range visits {
		cl, err := cc.get(v.ClinicID)
		if err != nil {
			return day, err
		}
		sv := newStopView(v, cl)
		withTravel(&sv, route, tr.TravelMode)
		stops = append(stops, sv)
	}
	if len(stops) == 0 {
		return day, nil
	}
	day.Stops = len(stops)
	day.FirstStart, day.LastEnd = stops[0].Start, stops[len(stops)-1].End
	day.Depart, day.Return = day.FirstStart, day.LastEnd
	if route != nil {
		day.HasRoute = true
		day.Depart, day.Return = route.Depart, route.Return
		day.TravelMinutes = route.TravelMinutes
		if route.BreakStart != nil && route.BreakEnd != nil {
			day.HasBreak, day.BreakStart, day.BreakEnd = true, *route.BreakStart, *route.BreakEnd
		}
		ret := route.TravelMinutes
		for _, st := range route.Stops {
			ret -= st.TravelMinutes
		}
		day.ReturnTravel = max(ret, 0)
	}
	lunchPlaced := !day.HasBreak
	places := []mapPoint{{N: 0, Label: day.From}}
	lat, lon := []float64{tr.StartPlace.Lat}, []float64{tr.StartPlace.Lon}
	for i := range stops {
		sv := &stops[i]
		sv.N = i + 1
		if !lunchPlaced && !day.BreakStart.After(sv.Start) {
			day.Items = append(day.Items, dayItem{LunchFrom: day.BreakStart, LunchTo: day.BreakEnd})
			lunchPlaced = true
		}
		day.Items = append(day.Items, dayItem{Stop: sv})
		if sv.Status == models.VisitDone {
			day.DoneStops++
		} else {
			day.HasScheduledStop = true
		}
		places = append(places, mapPoint{N: sv.N, Label: sv.Clinic})
		lat, lon = append(lat, sv.Lat), append(lon, sv.Lon)
	}
	if !lunchPlaced {
		day.Items = append(day.Items, dayItem{LunchFrom: day.BreakStart, LunchTo: day.BreakEnd})
	}
	places = append(places, mapPoint{N: 0, Label: day.To})
	lat, lon = append(lat, tr.EndPlace.Lat), append(lon, tr.EndPlace.Lon)
	day.Map = schematic(places, lat, lon)
	return day, nil
}

// visitView is the data of /visits/{id}.
type visitView struct {
	Stop stopView
	Date models.Date
	// Week links back to the trainer's week of the visit.
	Week string
	// Request links to the clinic's request page.
	Request string
	// CanComplete offers the outcome form: the assigned trainer or a
	// coordinator, a scheduled visit, from its start on.
	CanComplete bool
	// NotYet says when the form opens (a scheduled visit before its start).
	NotYet bool
	// Depart and Return frame the trainer's day (trainer and coordinator).
	Depart, Return time.Time
	HasRoute       bool
	ForTrainer     bool
	ForClinic      bool
}

// visitPage answers GET /visits/{id}: one visit to its trainer, its clinic
// or a coordinator (where the e-mail links go); anyone else gets 404.
func (s *Server) visitPage(c *gin.Context) error {
	v, err := s.pageVisit(c)
	if err != nil {
		return err
	}
	return s.renderVisit(c, http.StatusOK, v, nil)
}

// pageVisit loads the :id visit for a caller who may see it; anyone else
// gets 404, as if it did not exist.
func (s *Server) pageVisit(c *gin.Context) (*models.Visit, error) {
	if s.fieldStore == nil {
		return nil, errFieldPagesOff
	}
	// Mails name visits as in calendars, "visit-<id>"; both forms open.
	id := strings.TrimPrefix(c.Param("id"), "visit-")
	if !models.ValidID(id) {
		return nil, fmt.Errorf("visit %q: %w", c.Param("id"), models.ErrNotFound)
	}
	v, err := s.fieldStore.Visit(c, id)
	if err != nil {
		return nil, fmt.Errorf("load visit %s: %w", id, err)
	}
	if !caller(c).mayRead(v) {
		return nil, fmt.Errorf("visit %s of someone else: %w", id, models.ErrNotFound)
	}
	return v, nil
}

// renderVisit renders the visit page, with the outcome form f shown again.
func (s *Server) renderVisit(c *gin.Context, status int, v *models.Visit, f *form) error {
	who := caller(c)
	cc := s.newClinicCache(c)
	cl, err := cc.get(v.ClinicID)
	if err != nil {
		return err
	}
	tr, err := s.trainers.Trainer(c, v.TrainerID)
	if err != nil {
		return fmt.Errorf("load trainer %s of visit %s: %w", v.TrainerID, v.ID, err)
	}
	vv := visitView{Stop: newStopView(v, cl), Date: v.Date, Week: "/week/" + string(v.Date.Monday()),
		ForTrainer: !who.is(models.RoleClinic), ForClinic: who.is(models.RoleClinic)}
	vv.Stop.Trainer, vv.Stop.TrainerPhone, vv.Stop.TrainerHref = tr.Name, tr.Phone, telHref(tr.Phone)
	if vv.ForTrainer {
		plan, err := s.publishedPlan(c, v.Week)
		if err != nil {
			return err
		}
		if route := routeOf(plan, v.TrainerID, v.Date); route != nil {
			withTravel(&vv.Stop, route, tr.TravelMode)
			vv.HasRoute, vv.Depart, vv.Return = true, route.Depart, route.Return
		}
	}
	if vv.ForClinic {
		vv.Request = "/requests/" + v.RequestID
	}
	if !who.is(models.RoleTrainer) {
		vv.Week = ""
	}
	mayComplete := who.is(models.RoleCoordinator) || who.is(models.RoleTrainer) && who.user.TrainerID == v.TrainerID
	if mayComplete && v.Status == models.VisitScheduled {
		if s.now().Before(v.Start) {
			vv.NotYet = true
		} else {
			vv.CanComplete = true
		}
	}
	return s.render(c, status, "visit", "", vv, f)
}

// completeVisitPage answers POST /visits/{id}/complete: the API's
// recordOutcome with the outcome form; a refusal shows the form again.
func (s *Server) completeVisitPage(c *gin.Context) error {
	v, err := s.pageVisit(c)
	if err != nil {
		return err
	}
	f := postedForm(c, "outcome", "note", "participants_trained")
	p := CompleteParams{Outcome: f.Values["outcome"], Note: f.Values["note"]}
	if n := f.Values["participants_trained"]; n != "" {
		count, err := strconv.Atoi(n)
		if err != nil {
			count = -1 // reported by the service's range check
		}
		p.ParticipantsTrained = &count
	}
	_, err = s.recordOutcome(c, v, p)
	if s.failValidation(c, f, err, nil) {
		return s.renderVisit(c, http.StatusUnprocessableEntity, v, f)
	}
	if err != nil {
		return err
	}
	s.flash(c, "flash.outcome_saved")
	return seeOther(c, "/visits/"+v.ID)
}
