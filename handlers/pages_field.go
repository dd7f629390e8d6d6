package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
)

// The trainer's and the clinic's pages ("field" pages): the week of stops,
// one visit, availability, and the clinic's requests. They read the same
// documents as the API (published visits, the published plan's routes) and
// change them through the API's own functions.

// defaultTileURL is OpenStreetMap's tile server, used when the
// configuration names none.
const defaultTileURL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

// FieldStore is what the field pages read beyond the API's stores: the
// published plan of a week (for travel, lunch and the day's start and end)
// and one visit by id. *store.Store implements it.
type FieldStore interface {
	PublishedPlan(ctx context.Context, week models.Date) (*models.Plan, error)
	Visit(ctx context.Context, id string) (*models.Visit, error)
}

// fieldStoreOf is st's FieldStore, or nil for a store without one (tests
// of unrelated endpoints), in which case the field pages answer 503.
func fieldStoreOf(st Store) FieldStore {
	fs, _ := st.(FieldStore)
	return fs
}

// errFieldPagesOff answers the field pages of a server whose store cannot
// read plans and single visits.
var errFieldPagesOff = &statusError{status: 503, detail: "the store cannot serve the trainer's and clinic's pages"}

// stopView is one visit as the pages show it: when, where, whom to call,
// what for, and how the trainer gets there.
type stopView struct {
	N                  int
	VisitID, RequestID string
	Start, End         time.Time
	Clinic             string
	Address            string
	Phone              string
	PhoneHref          template.URL
	Lat, Lon           float64
	Kind               models.Kind
	Topic              string
	Participants       int
	Status             models.VisitStatus
	Outcome            *outcomeView
	// TravelMinutes and TravelMode are the way from the previous stop (or
	// from the day's start); HasTravel is false without a published route.
	TravelMinutes int
	TravelMode    models.TravelMode
	HasTravel     bool
	Trainer       string
	TrainerPhone  string
	TrainerHref   template.URL
}

// outcomeView is what the trainer reported about a done visit.
type outcomeView struct {
	Result              string
	Note                string
	ParticipantsTrained int
	At                  time.Time
}

// telHref is a tel: link of a phone number as people write it ("+7 916
// 120-45-17"): only digits and a leading plus survive, so the link is safe
// to mark as a URL.
func telHref(phone string) template.URL {
	var b strings.Builder
	for i, r := range phone {
		if r >= '0' && r <= '9' || r == '+' && i == 0 {
			b.WriteRune(r)
		}
	}
	if b.Len() < 3 {
		return ""
	}
	return template.URL("tel:" + b.String())
}

// clinicCache loads each clinic once per page.
type clinicCache struct {
	s   *Server
	ctx context.Context
	m   map[string]*models.Clinic
}

func (s *Server) newClinicCache(ctx context.Context) *clinicCache {
	return &clinicCache{s: s, ctx: ctx, m: map[string]*models.Clinic{}}
}

// get is the clinic of id; a clinic deleted since (the store refuses
// that while visits refer to it, but plans are history) is a stub named
// by the plan.
func (cc *clinicCache) get(id string) (*models.Clinic, error) {
	if cl, ok := cc.m[id]; ok {
		return cl, nil
	}
	cl, err := cc.s.clinics.Clinic(cc.ctx, id)
	if errors.Is(err, models.ErrNotFound) {
		cl, err = &models.Clinic{ID: id}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load clinic %s: %w", id, err)
	}
	cc.m[id] = cl
	return cl, nil
}

// newStopView builds the view of visit v at clinic cl.
func newStopView(v *models.Visit, cl *models.Clinic) stopView {
	sv := stopView{VisitID: v.ID, RequestID: v.RequestID, Start: v.Start, End: v.End, Clinic: cl.Name,
		Address: cl.Place.Address, Phone: cl.Phone, PhoneHref: telHref(cl.Phone), Lat: cl.Place.Lat, Lon: cl.Place.Lon,
		Kind: v.Kind, Topic: v.Topic, Participants: v.Participants, Status: v.Status}
	sv.Outcome = visitOutcome(v)
	return sv
}

// routeOf finds trainer's route on date in plan, or nil.
func routeOf(plan *models.Plan, trainerID string, date models.Date) *models.PlanRoute {
	if plan == nil {
		return nil
	}
	for i := range plan.Routes {
		if r := &plan.Routes[i]; r.TrainerID == trainerID && r.Date == date {
			return r
		}
	}
	return nil
}

// stopOf finds the request's stop in route, or nil.
func stopOf(route *models.PlanRoute, requestID string) *models.PlanStop {
	if route == nil {
		return nil
	}
	for i := range route.Stops {
		if route.Stops[i].RequestID == requestID {
			return &route.Stops[i]
		}
	}
	return nil
}

// publishedPlan is the week's published plan, or nil when none is.
func (s *Server) publishedPlan(ctx context.Context, week models.Date) (*models.Plan, error) {
	plan, err := s.fieldStore.PublishedPlan(ctx, week)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load the published plan of %s: %w", week, err)
	}
	return plan, nil
}

// withTravel fills sv's travel from the published route, when the route
// still books the visit where it is (a visit moved by hand since keeps no
// stale travel).
func withTravel(sv *stopView, route *models.PlanRoute, mode models.TravelMode) {
	st := stopOf(route, sv.RequestID)
	if st == nil || !st.Start.Equal(sv.Start) {
		return
	}
	sv.TravelMinutes, sv.TravelMode, sv.HasTravel = st.TravelMinutes, mode, true
}

// mapView is a day's map: the numbered stops and the way between them,
// drawn server-side as an SVG schematic (always there, no JavaScript or
// tiles needed) and handed to Leaflet as JSON for a real map on top.
type mapView struct {
	// ID names the map for its label; TileURL is the tile template.
	ID, TileURL   string
	Width, Height int
	Path          string
	Points        []mapPoint
	// JSON is the stops for Leaflet: [{"n":1,"lat":…,"lon":…,"label":…}].
	JSON string
}

// mapPoint is one place on the schematic; N is 0 for the day's start and
// end (drawn as a square).
type mapPoint struct {
	N     int
	X, Y  float64
	Label string
}

// schematic draws places (start, stops…, end) into a Width×Height box,
// keeping the map's proportions (longitude degrees shrink with the
// cosine of the latitude).
func schematic(places []mapPoint, lat, lon []float64) mapView {
	const w, h, pad = 320.0, 200.0, 22.0
	mv := mapView{Width: int(w), Height: int(h)}
	if len(places) == 0 {
		return mv
	}
	minLat, maxLat := slices.Min(lat), slices.Max(lat)
	minLon, maxLon := slices.Min(lon), slices.Max(lon)
	k := math.Cos((minLat + maxLat) / 2 * math.Pi / 180)
	spanX, spanY := (maxLon-minLon)*k, maxLat-minLat
	scale := math.Inf(1)
	if spanX > 0 {
		scale = (w - 2*pad) / spanX
	}
	if spanY > 0 {
		scale = math.Min(scale, (h-2*pad)/spanY)
	}
	if math.IsInf(scale, 1) {
		scale = 0
	}
	offX := (w - spanX*scale) / 2
	offY := (h - spanY*scale) / 2
	type leaflet struct {
		N     int     `json:"n"`
		Lat   float64 `json:"lat"`
		Lon   float64 `json:"lon"`
		Label string  `json:"label"`
	}
	var js []leaflet
	var path strings.Builder
	for i, p := range places {
		p.X = math.Round((offX+(lon[i]-minLon)*k*scale)*10) / 10
		p.Y = math.Round((h-offY-(lat[i]-minLat)*scale)*10) / 10
		// Two stops at one clinic would hide each other's number:
		// nudge the later one aside.
		for p.N > 0 && slices.ContainsFunc(mv.Points, func(q mapPoint) bool {
			return q.N > 0 && math.Abs(q.X-p.X) < 16 && math.Abs(q.Y-p.Y) < 16
		}) {
			p.X, p.Y = p.X+18, p.Y-6
		}
		if i == 0 {
			fmt.Fprintf(&path, "M%.1f %.1f", p.X, p.Y)
		} else {
			fmt.Fprintf(&path, " L%.1f %.1f", p.X, p.Y)
		}
		mv.Points = append(mv.Points, p)
		js = append(js, leaflet{N: p.N, Lat: lat[i], Lon: lon[i], Label: p.Label})
	}
	mv.Path = path.String()
	b, _ := json.Marshal(js)
	mv.JSON = string(b)
	return mv
}

// visitOutcome is the view of v's outcome, or nil.
func visitOutcome(v *models.Visit) *outcomeView {
	o := v.Outcome
	if o == nil {
		return nil
	}
	return &outcomeView{Result: o.Result, Note: o.Note, ParticipantsTrained: o.ParticipantsTrained, At: o.At}
}
