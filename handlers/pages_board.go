package handlers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

// The coordinator's board: one week's plan as a trainers × days grid, the
// requests left out and why, the plan's figures, and the actions that
// change it (run, edit, preview, publish). Every action calls the service
// the API's handler calls; the board only reads forms and words results.

// boardPlans finds the newest and the published plan of a week in one
// query (store.Store).
type boardPlans interface {
	LatestAndPublishedPlan(ctx context.Context, week models.Date) (latest, published *models.Plan, err error)
}

// planVersions lists a week's plan versions without their routes
// (store.Store); declared here, where the board and /plans need it.
type planVersions interface {
	Plans(ctx context.Context, week models.Date) ([]models.Plan, error)
}

// boardPage is the data of /board/{monday}.
type boardPage struct {
	Monday     models.Date
	Period     string
	Prev, Next string
	// Plan is the version shown (nil when the week has none yet);
	// Published is the week's published version, 0 when none is.
	Plan      *models.Plan
	Published int
	// Latest is the newest version; the board edits only that one, and
	// only while it is a draft.
	Latest   int
	Editable bool
	// Who is who made the version shown, in words.
	Who  string
	Days []boardDay
	Rows []boardRow
	// Unassigned are the requests the plan left out, in the reader's words.
	Unassigned []boardLeftOut
	KPIs       boardKPIs
	// Selected is the visit (or left-out request) chosen for the edit
	// panel; nil shows the panel's hint.
	Selected *boardSelected
	// Trainers are the edit forms' choices.
	Trainers []boardOption
	// Refusal is why the last edit was refused, shown inline.
	Refusal string
	// InReach reports whether the week may still be planned and published.
	InReach bool
	// Changes are the clinics' change requests waiting for a decision;
	// Absences the trainers' absences touching the week, with the repair
	// draft each made.
	Changes  []boardChange
	Absences []boardAbsence
}

// boardChange is one clinic's change request waiting for a decision.
type boardChange struct {
	ID, RequestID   string
	Clinic, Topic   string
	Kind            models.Kind
	Windows, Before string
	Comment         string
	CreatedAt       time.Time
}

// boardAbsence is one trainer's absence touching the week.
type boardAbsence struct {
	ID, TrainerID, Trainer string
	From, To               time.Time
	Reason                 string
	Affected               int
	// Draft is the repair draft's version in this week, 0 when none.
	Draft int
}

// boardDay is one column of the grid.
type boardDay struct {
	Date models.Date
	Time time.Time
}

// boardRow is one trainer's week.
type boardRow struct {
	TrainerID, Name string
	Cells           []boardCell
	Visits          int
	WorkMinutes     int
}

// boardCell is one trainer-day: its visits in order and its load.
type boardCell struct {
	Date   models.Date
	Visits []boardVisit
	// WorkMinutes is the route's working time; AvailMinutes what the
	// trainer's hours that day allow (0: not working).
	WorkMinutes, AvailMinutes int
	// Load is WorkMinutes as a share of AvailMinutes, 0..100 (capped);
	// Over marks a day planned beyond the hours.
	Load int
	Over bool
}

// WorkHours is the day's working time in hours ("3.5").
func (c boardCell) WorkHours() string { return hours(c.WorkMinutes) }

// AvailHours is what the day's hours allow, in hours.
func (c boardCell) AvailHours() string { return hours(c.AvailMinutes) }

// boardVisit is one stop as the grid shows it.
type boardVisit struct {
	RequestID  string
	Start, End time.Time
	Clinic     string
	Kind       models.Kind
	Topic      string
	Priority   models.Priority
	// Pinned: fixed by a coordinator; Booked: as published; Changed:
	// published elsewhere or at another time, so publishing moves it.
	Pinned, Booked, Changed bool
	Selected                bool
}

// boardLeftOut is one request the plan left out, in words.
type boardLeftOut struct {
	RequestID string
	Clinic    string
	Kind      models.Kind
	Topic     string
	Priority  models.Priority
	Reason    string
	// Suggestions are the changes that would each let it in, smallest
	// first.
	Suggestions []string
	Selected    bool
}

// boardKPIs are the plan's figures as the board shows them.
type boardKPIs struct {
	ByPriority                   []boardPriorityKPI
	Scheduled, Requests          int
	TravelHours                  string
	VisitsMin, VisitsMax         int
	VisitsAvg                    string
	Trainers                     int
	SpreadHours, MinHours, MaxHs string
}

// boardPriorityKPI is "urgent: 4 of 5".
type boardPriorityKPI struct {
	Priority         models.Priority
	Scheduled, Total int
}

// boardSelected is the visit or request the edit panel acts on.
type boardSelected struct {
	RequestID string
	Clinic    string
	Kind      models.Kind
	Topic     string
	// Placed: the visit is in the plan at TrainerID, Date, Start.
	Placed    bool
	TrainerID string
	Date      models.Date
	Start     string
	Pinned    bool
	// SwapWith are the other visits of the week it may swap with.
	SwapWith []boardOption
}

// boardOption is one choice of a select.
type boardOption struct {
	Value, Label string
}

// boardPage answers GET /board/{monday}[?version=N][&visit=ID].
func (s *Server) boardPage(c *gin.Context) error {
	monday, err := mondayParam(c)
	if err != nil {
		return err
	}
	version := 0
	if v := c.Query("version"); v != "" {
		if version, err = strconv.Atoi(v); err != nil || version < 1 {
			return badRequest("version", "version must be a positive integer")
		}
	}
	p, err := s.loadBoard(c, monday, version, c.Query("visit"))
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "board", "", p, nil)
}

// loadBoard gathers the board of the week: version (0: the newest), the
// published version for booked/changed marks, trainers and their hours.
func (s *Server) loadBoard(c *gin.Context, monday models.Date, version int, selected string) (*boardPage, error) {
	ctx, lang := context.Context(c), s.pageLang(c)
	p := &boardPage{Monday: monday, Prev: "/board/" + string(monday.AddDays(-7)), Next: "/board/" + string(monday.AddDays(7)),
		Period:  monday.Time(s.loc).Format(dateLayout(lang)) + " – " + monday.AddDays(6).Time(s.loc).Format(dateLayout(lang)),
		InReach: s.weekInReach(monday) == nil}
	// Only what the board needs is loaded, in as few queries as may be:
	// plans are big documents and every query scans on the embedded
	// database.
	plans, ok := s.plans.(boardPlans)
	if !ok {
		return nil, errors.New("load the board: the plan store cannot find the newest and the published plan")
	}
	latest, published, err := plans.LatestAndPublishedPlan(ctx, monday)
	if err != nil {
		return nil, err
	}
	p.Plan = latest
	if version != 0 && (latest == nil || latest.Version != version) {
		if published != nil && published.Version == version {
			p.Plan = published
		} else if p.Plan, err = s.plans.Plan(ctx, monday, version); err != nil {
			return nil, fmt.Errorf("load plan %s: %w", models.PlanID(monday, version), err)
		}
	}
	if latest != nil {
		p.Latest = latest.Version
	}
	if published != nil {
		p.Published = published.Version
	}
	if p.Plan != nil {
		p.Editable = p.Plan.Version == p.Latest && p.Plan.Status == models.PlanDraft && p.InReach
		p.Who = s.whoMadePlan(ctx, lang, p.Plan)
		if published != nil && published.Version == p.Plan.Version {
			published = nil // every visit is booked as shown
		}
	}
	trainers, err := s.allTrainers(ctx)
	if err != nil {
		return nil, err
	}
	s.fillGrid(p, trainers, published, selected)
	if p.Plan != nil {
		p.KPIs = boardFigures(p.Plan, p.Rows)
		clinics := map[string]string{}
		for _, u := range p.Plan.Unassigned {
			lo := s.leftOut(ctx, lang, u, clinics)
			lo.Selected = u.RequestID == selected
			p.Unassigned = append(p.Unassigned, lo)
			if lo.Selected {
				p.Selected = &boardSelected{RequestID: u.RequestID, Clinic: lo.Clinic, Kind: lo.Kind, Topic: lo.Topic}
			}
		}
	}
	for _, t := range trainers {
		p.Trainers = append(p.Trainers, boardOption{Value: t.ID, Label: t.Name})
	}
	if err := s.loadDecisions(c, p, trainers); err != nil {
		return nil, err
	}
	return p, nil
}

// weekAbsences lists every trainer's absences touching some days
// (store.Store).
type weekAbsences interface {
	AbsencesBetween(ctx context.Context, from, to models.Date) ([]models.Absence, error)
}

// maxPendingChanges bounds the change requests the board lists; more wait
// for the next page load, which a busy week never reaches.
const maxPendingChanges = 50

// loadDecisions fills what waits for the coordinator: the clinics' pending
// change requests, and the trainers' absences touching the week with the
// repair draft each made in it.
func (s *Server) loadDecisions(c *gin.Context, p *boardPage, trainers []models.Trainer) error {
	lang := s.pageLang(c)
	if s.changes != nil {
		pending, err := s.changes.ChangeRequests(c, models.ChangeRequestFilter{Status: models.ChangePending}, models.Page{Limit: maxPendingChanges})
		if err != nil {
			return fmt.Errorf("list pending change requests: %w", err)
		}
		clinics := map[string]string{}
		for _, cr := range pending {
			bc := boardChange{ID: cr.ID, RequestID: cr.RequestID, Comment: cr.Comment, CreatedAt: cr.CreatedAt,
				Windows: s.windowWords(lang, cr.PreferredWindows), Before: s.windowWords(lang, cr.PreviousWindows)}
			if r, err := s.requests.Request(c, cr.RequestID); err == nil {
				bc.Kind, bc.Topic = r.Kind, r.Topic
			}
			name, ok := clinics[cr.ClinicID]
			if !ok {
				if cl, err := s.clinics.Clinic(c, cr.ClinicID); err == nil {
					name = cl.Name
				}
				clinics[cr.ClinicID] = name
			}
			bc.Clinic = name
			p.Changes = append(p.Changes, bc)
		}
	}
	lister, ok := s.absences.(weekAbsences)
	if !ok {
		return nil
	}
	absences, err := lister.AbsencesBetween(c, p.Monday, p.Monday.AddDays(6))
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, t := range trainers {
		names[t.ID] = t.Name
	}
	for _, a := range absences {
		ba := boardAbsence{ID: a.ID, TrainerID: a.TrainerID, Trainer: cmp.Or(names[a.TrainerID], a.TrainerID), From: a.From.Time(s.loc),
			To: a.To.Time(s.loc), Reason: a.Reason, Affected: len(a.AffectedVisits)}
		for _, d := range a.Drafts {
			if d.Week == p.Monday {
				ba.Draft = d.Version
			}
		}
		// A repair already published, or overtaken by a newer run, needs
		// no preview link.
		if ba.Draft != 0 && (ba.Draft != p.Latest || p.Plan == nil || p.Plan.Status != models.PlanDraft) {
			ba.Draft = 0
		}
		p.Absences = append(p.Absences, ba)
	}
	return nil
}

// windowWords writes a week's windows for people: "пн 10:00–12:00, ср …".
func (s *Server) windowWords(lang string, w models.Week) string {
	var parts []string
	for _, d := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday} {
		for _, win := range w.Day(d) {
			name, _ := s.pages.cat.text(lang, fmt.Sprintf("weekday.%d", d))
			parts = append(parts, name+" "+win.Start.String()+"–"+win.End.String())
		}
	}
	return strings.Join(parts, ", ")
}

// planVersions lists the week's versions, newest first.
func (s *Server) planVersions(ctx context.Context, week models.Date) ([]models.Plan, error) {
	lister, ok := s.plans.(planVersions)
	if !ok {
		return nil, errors.New("list plan versions: the plan store cannot list versions")
	}
	versions, err := lister.Plans(ctx, week)
	if err != nil {
		return nil, fmt.Errorf("list the plans of week %s: %w", week, err)
	}
	slices.SortFunc(versions, func(a, b models.Plan) int { return b.Version - a.Version })
	return versions, nil
}

// allTrainers loads every trainer, page by page, in name order.
func (s *Server) allTrainers(ctx context.Context) ([]models.Trainer, error) {
	var all []models.Trainer
	page := models.Page{Limit: models.MaxPageSize}
	for {
		list, err := s.trainers.Trainers(ctx, models.TrainerFilter{}, page)
		if err != nil {
			return nil, fmt.Errorf("list trainers: %w", err)
		}
		all = append(all, list...)
		if len(list) < page.Limit {
			break
		}
		page.After = list[len(list)-1].ID
	}
	slices.SortFunc(all, func(a, b models.Trainer) int { return strings.Compare(a.Name, b.Name) })
	return all, nil
}

// whoMadePlan says who made a version, in words: the coordinator who ran
// it by name, or what started it (the weekly job, the command line, an
// absence or a change request).
func (s *Server) whoMadePlan(ctx context.Context, lang string, p *models.Plan) string {
	kind, id := p.Trigger, ""
	if i := strings.IndexAny(kind, ":@"); i >= 0 {
		kind, id = kind[:i], kind[i+1:]
	}
	switch kind {
	case "api", "board":
		return s.userName(ctx, id)
	case "edit":
		if text, err := s.pages.cat.text(lang, "plans.trigger.edit", s.userName(ctx, id)); err == nil {
			return text
		}
	}
	if text, err := s.pages.cat.text(lang, "plans.trigger."+kind); err == nil {
		return text
	}
	return p.Trigger
}

// userName is a user's name (or e-mail) for a page, the id if unknown.
func (s *Server) userName(ctx context.Context, id string) string {
	u, err := s.users.User(ctx, id)
	switch {
	case err != nil:
		return id
	case u.Name != "":
		return u.Name
	}
	return u.Email
}

// fillGrid lays the plan's routes out as trainer rows and day columns:
// Monday to Friday always, Saturday and Sunday when anyone works or has a
// visit then. A trainer without visits still gets a row, since an empty
// row is where a coordinator drops work.
func (s *Server) fillGrid(p *boardPage, trainers []models.Trainer, published *models.Plan, selected string) {
	s.addBoardDays(p, trainers)
	g := newBoardGrid(p, s.loc, published, selected)
	seen := map[string]bool{}
	for _, t := range trainers {
		seen[t.ID] = true
		g.addRow(t.ID, t.Name, func(d models.Date) int { return availableMinutes(t, d) })
	}
	// A route of a trainer deleted since the plan was made still shows.
	if p.Plan != nil {
		for _, r := range p.Plan.Routes {
			if !seen[r.TrainerID] {
				seen[r.TrainerID] = true
				g.addRow(r.TrainerID, r.TrainerName, func(models.Date) int { return 0 })
			}
		}
	}
	if p.Selected != nil && p.Selected.Placed {
		s.addSwapOptions(p)
	}
}

// addBoardDays adds the grid's columns: Monday to Friday, and Saturday
// and Sunday when a trainer works or the plan has a visit then.
func (s *Server) addBoardDays(p *boardPage, trainers []models.Trainer) {
	weekendUsed := func(d models.Date) bool {
		for _, t := range trainers {
			if len(t.Availability.Windows(d)) > 0 {
				return true
			}
		}
		if p.Plan != nil {
			for _, r := range p.Plan.Routes {
				if r.Date == d && len(r.Stops) > 0 {
					return true
				}
			}
		}
		return false
	}
	days := 5
	if weekendUsed(p.Monday.AddDays(6)) {
		days = 7
	} else if weekendUsed(p.Monday.AddDays(5)) {
		days = 6
	}
	for i := range days {
		d := p.Monday.AddDays(i)
		p.Days = append(p.Days, boardDay{Date: d, Time: d.Time(s.loc)})
	}
}

// bookedSlot is where a published visit is.
type bookedSlot struct {
	trainer string
	date    models.Date
	start   time.Time
}

// boardGrid holds what laying out the rows of one board page needs.
type boardGrid struct {
	p        *boardPage
	loc      *time.Location
	selected string
	// routes are the shown plan's routes by trainer and day.
	routes map[string]*models.PlanRoute
	// booked is where each published visit is; a plan shown that is
	// itself the published one has every visit booked.
	booked      map[string]bookedSlot
	isPublished bool
}

// newBoardGrid indexes the shown plan's routes and the published visits.
func newBoardGrid(p *boardPage, loc *time.Location, published *models.Plan, selected string) *boardGrid {
	g := &boardGrid{p: p, loc: loc, selected: selected, routes: map[string]*models.PlanRoute{}, booked: map[string]bookedSlot{},
		isPublished: p.Plan != nil && p.Plan.Status == models.PlanPublished}
	if published != nil {
		for _, r := range published.Routes {
			for _, st := range r.Stops {
				g.booked[st.RequestID] = bookedSlot{r.TrainerID, r.Date, st.Start}
			}
		}
	}
	if p.Plan != nil {
		for i := range p.Plan.Routes {
			r := &p.Plan.Routes[i]
			g.routes[r.TrainerID+"|"+string(r.Date)] = r
		}
	}
	return g
}

// addRow adds trainer id's row, a cell a day with the minutes avail says
// the trainer may work.
func (g *boardGrid) addRow(id, name string, avail func(models.Date) int) {
	row := boardRow{TrainerID: id, Name: name}
	for _, d := range g.p.Days {
		cell := g.cell(id, d.Date, avail(d.Date))
		row.Visits += len(cell.Visits)
		row.WorkMinutes += cell.WorkMinutes
		row.Cells = append(row.Cells, cell)
	}
	g.p.Rows = append(g.p.Rows, row)
}

// cell is trainer id's day: its visits, each marked booked or changed
// against the published plan, and its load; it notes the selected visit
// on the page.
func (g *boardGrid) cell(id string, date models.Date, availMinutes int) boardCell {
	cell := boardCell{Date: date, AvailMinutes: availMinutes}
	if r := g.routes[id+"|"+string(date)]; r != nil {
		cell.WorkMinutes = r.WorkMinutes
		for _, st := range r.Stops {
			v := boardVisit{RequestID: st.RequestID, Start: st.Start, End: st.End, Clinic: st.ClinicName,
				Kind: st.Kind, Topic: st.Topic, Priority: st.Priority, Pinned: st.Pinned, Selected: st.RequestID == g.selected}
			if b, ok := g.booked[st.RequestID]; g.isPublished || ok && b == (bookedSlot{id, date, st.Start}) {
				v.Booked = true
			} else if ok {
				v.Changed = true
			}
			cell.Visits = append(cell.Visits, v)
			if v.Selected {
				g.p.Selected = &boardSelected{RequestID: st.RequestID, Clinic: st.ClinicName, Kind: st.Kind, Topic: st.Topic,
					Placed: true, TrainerID: id, Date: date, Start: st.Start.In(g.loc).Format("15:04"), Pinned: st.Pinned}
			}
		}
	}
	switch {
	case cell.AvailMinutes > 0:
		cell.Load = min(100, cell.WorkMinutes*100/cell.AvailMinutes)
		cell.Over = cell.WorkMinutes > cell.AvailMinutes
	case cell.WorkMinutes > 0:
		cell.Load, cell.Over = 100, true
	}
	return cell
}

// addSwapOptions offers the selected placed visit a swap with every other
// visit of its day.
func (s *Server) addSwapOptions(p *boardPage) {
	for _, row := range p.Rows {
		for _, cell := range row.Cells {
			for _, v := range cell.Visits {
				if v.RequestID != p.Selected.RequestID && cell.Date == p.Selected.Date {
					p.Selected.SwapWith = append(p.Selected.SwapWith, boardOption{Value: v.RequestID,
						Label: v.Start.In(s.loc).Format("15:04") + " " + v.Clinic + " (" + row.Name + ")"})
				}
			}
		}
	}
}

// availableMinutes is how long trainer t may work on d: the day's windows,
// less lunch, capped by the contract's daily maximum.
func availableMinutes(t models.Trainer, d models.Date) int {
	total := 0
	for _, w := range t.Availability.Windows(d) {
		total += w.Minutes()
	}
	if total > 0 && t.Lunch != nil {
		total -= t.Lunch.Minutes
	}
	if t.MaxWorkMinutes > 0 && total > t.MaxWorkMinutes {
		total = t.MaxWorkMinutes
	}
	return max(total, 0)
}

// boardFigures are the KPIs: scheduled by priority, travel, visits per
// working trainer and the spread between the busiest and the least busy.
func boardFigures(plan *models.Plan, rows []boardRow) boardKPIs {
	k := boardKPIs{Scheduled: plan.KPIs.Scheduled, Requests: plan.KPIs.Requests, TravelHours: hours(plan.KPIs.TravelMinutes)}
	for _, pr := range []models.Priority{models.PriorityUrgent, models.PriorityHigh, models.PriorityNormal, models.PriorityLow} {
		if kp, ok := plan.KPIs.ByPriority[pr]; ok && kp.Total > 0 {
			k.ByPriority = append(k.ByPriority, boardPriorityKPI{Priority: pr, Scheduled: kp.Scheduled, Total: kp.Total})
		}
	}
	visits, minWork, maxWork := 0, -1, 0
	for _, r := range rows {
		if r.Visits == 0 {
			continue
		}
		k.Trainers++
		visits += r.Visits
		if k.VisitsMin == 0 || r.Visits < k.VisitsMin {
			k.VisitsMin = r.Visits
		}
		k.VisitsMax = max(k.VisitsMax, r.Visits)
		if minWork < 0 || r.WorkMinutes < minWork {
			minWork = r.WorkMinutes
		}
		maxWork = max(maxWork, r.WorkMinutes)
	}
	if k.Trainers > 0 {
		k.VisitsAvg = strconv.FormatFloat(float64(visits)/float64(k.Trainers), 'f', 1, 64)
		k.SpreadHours, k.MinHours, k.MaxHs = hours(maxWork-minWork), hours(minWork), hours(maxWork)
	}
	return k
}

// hours writes minutes as hours with one decimal ("12.5").
func hours(minutes int) string {
	return strconv.FormatFloat(float64(minutes)/60, 'f', 1, 64)
}

// leftOut words one unassigned request for the reader (models'
// Localize: the reason and the changes that would let it in, smallest
// first), naming its clinic, kind and topic. Plans stored before entries
// carried those names get them from the request and the clinic.
func (s *Server) leftOut(ctx context.Context, lang string, u models.Unassigned, clinics map[string]string) boardLeftOut {
	u.Localize(lang)
	lo := boardLeftOut{RequestID: u.RequestID, Priority: u.Priority, Reason: u.Detail, Suggestions: u.Relaxations,
		Clinic: u.ClinicName, Kind: u.Kind, Topic: u.Topic}
	if len(lo.Suggestions) == 0 && u.Relaxation != "" {
		lo.Suggestions = []string{u.Relaxation}
	}
	if lo.Reason == "" {
		lo.Reason = u.Reason
	}
	if lo.Kind == "" {
		if r, err := s.requests.Request(ctx, u.RequestID); err == nil {
			lo.Kind, lo.Topic = r.Kind, r.Topic
		}
	}
	if lo.Clinic == "" {
		name, ok := clinics[u.ClinicID]
		if !ok {
			if cl, err := s.clinics.Clinic(ctx, u.ClinicID); err == nil {
				name = cl.Name
			}
			clinics[u.ClinicID] = name
		}
		lo.Clinic = name
	}
	return lo
}

// TrainerName is the name of trainer id as the board lists it.
func (p *boardPage) TrainerName(id string) string {
	for _, r := range p.Rows {
		if r.TrainerID == id {
			return r.Name
		}
	}
	return id
}

// DayTime is the start of day d in the board's zone, for date and weekday.
func (p *boardPage) DayTime(d models.Date) time.Time {
	for _, day := range p.Days {
		if day.Date == d {
			return day.Time
		}
	}
	return time.Time{}
}
