package models

import (
	"fmt"
	"strings"
)

// A coordinator's hand edit that the week cannot take is refused with a
// code and the values its sentence needs (EditRefusal), put into words
// only when someone reads it, in the reader's language, exactly as the
// explanations of left-out requests are (ExplainNote, RenderNote): the
// board shows the refusal in the coordinator's language and the API gives
// the code to programs. Every name a sentence needs is resolved when the
// refusal is made, so rendering needs no lookups.

// Codes of EditRefusal, one per reason an edit is refused.
const (
	// RefusalNotOpen: the request is not open for the week (cancelled,
	// done, booked in another week or unknown). Request.
	RefusalNotOpen = "not_open"
	// RefusalAlreadyPlanned: assign of a request the plan has already.
	// Request, Trainer, Date (where it is).
	RefusalAlreadyPlanned = "already_planned"
	// RefusalNotInPlan: move, swap or unassign of a request the plan left
	// out. Request, Op (the advice depends on it).
	RefusalNotInPlan = "not_in_plan"
	// RefusalUnplaceable: the request has no place in the week at all.
	// Request, Why.
	RefusalUnplaceable = "unplaceable"
	// RefusalNotPlannedDay: the date is not a planned day of the week.
	// Date, Week.
	RefusalNotPlannedDay = "not_planned_day"
	// RefusalTrainerOff: the trainer has no working hours that day.
	// Trainer, Date.
	RefusalTrainerOff = "trainer_off"
	// RefusalMissingSkill: the trainer lacks skills the request needs.
	// Trainer, Skills, Request.
	RefusalMissingSkill = "missing_skill"
	// RefusalDayFull: the trainer-day has the most visits allowed.
	// Trainer, Date, Visits.
	RefusalDayFull = "day_full"
	// RefusalExcluded: the request excludes the trainer. Trainer, Request.
	RefusalExcluded = "excluded"
	// RefusalClinicClosedDay: the clinic's hours or the request's dates
	// leave no time that day. Request, Date, Days (the days that would do).
	RefusalClinicClosedDay = "clinic_closed_day"
	// RefusalHoursDoNotMeet: the clinic's times that day do not meet the
	// trainer's working hours. Request, Date, Windows (the times a visit
	// may take), Trainer, Shifts.
	RefusalHoursDoNotMeet = "hours_do_not_meet"
	// RefusalStartOutsideClinic: the start asked for is outside the
	// clinic's hours or the request's times. Request, Date, Time, Windows
	// (the allowed starts).
	RefusalStartOutsideClinic = "start_outside_clinic"
	// RefusalOutsideShift: the visit at the start asked for does not fit
	// the trainer's working hours. Time, End, Trainer, Date, Shifts.
	RefusalOutsideShift = "outside_shift"
	// RefusalTravel: travel from the visit before takes the trainer past
	// the start asked for. Other (the visit before, with its end), Travel,
	// Trainer, Date, Arrive, Time.
	RefusalTravel = "travel"
	// RefusalNoRoomAt: the visits around the start asked for leave no room
	// for the visit and its travel. Gap, Trainer, Date, Minutes.
	RefusalNoRoomAt = "no_room_at"
	// RefusalNoRoom: the trainer-day has no free time long enough. Gap
	// (the longest free time), Trainer, Date, Minutes.
	RefusalNoRoom = "no_room"
	// RefusalDisplaces: the edited visit fits, but a visit already on the
	// route no longer does. Other (with its start), Trainer, Date.
	RefusalDisplaces = "displaces"
	// RefusalPinsUnplaced: the edit leaves pinned visits without a place.
	// Requests.
	RefusalPinsUnplaced = "pins_unplaced"
)

// EditRefusalCodes lists every refusal code, for tests and documents.
func EditRefusalCodes() []string {
	return []string{RefusalNotOpen, RefusalAlreadyPlanned, RefusalNotInPlan, RefusalUnplaceable, RefusalNotPlannedDay,
		RefusalTrainerOff, RefusalMissingSkill, RefusalDayFull, RefusalExcluded, RefusalClinicClosedDay,
		RefusalHoursDoNotMeet, RefusalStartOutsideClinic, RefusalOutsideShift, RefusalTravel, RefusalNoRoomAt,
		RefusalNoRoom, RefusalDisplaces, RefusalPinsUnplaced}
}

// EditRefusal is why a hand edit was refused: Code says which reason, the
// other fields are the values it speaks of (see each code for which), and
// most are empty for most codes. Times are local "HH:MM".
type EditRefusal struct {
	Code string `json:"code"`
	// Op is the edit's operation (move, swap, unassign, assign).
	Op string `json:"op,omitempty"`
	// Request is the request in question (ID, Name its clinic).
	Request *NoteRef `json:"request,omitempty"`
	// Trainer is the trainer of the trainer-day in question.
	Trainer *NoteRef `json:"trainer,omitempty"`
	// Date is the day in question, Week the planned week's Monday, Days
	// the days of the week the request may be served on.
	Date Date   `json:"date,omitempty"`
	Week Date   `json:"week,omitempty"`
	Days []Date `json:"days,omitempty"`
	// Skills are the skills the trainer lacks.
	Skills []string `json:"skills,omitempty"`
	// Time is the start asked for, End when the visit would end and Arrive
	// when the trainer would arrive.
	Time   string `json:"time,omitempty"`
	End    string `json:"end,omitempty"`
	Arrive string `json:"arrive,omitempty"`
	// Windows are the clinic's times that day, Shifts the trainer's
	// working hours that day and Gap a free time of the trainer-day.
	Windows []NoteWindow `json:"windows,omitempty"`
	Shifts  []NoteWindow `json:"shifts,omitempty"`
	Gap     *NoteWindow  `json:"gap,omitempty"`
	// Visits counts the visits of a full day; Minutes is the visit's
	// length and Travel the travel time to it, in minutes.
	Visits  int `json:"visits,omitempty"`
	Minutes int `json:"minutes,omitempty"`
	Travel  int `json:"travel,omitempty"`
	// Other is a visit already on the route that is in the way.
	Other *RefusalVisit `json:"other,omitempty"`
	// Requests are the visits an edit leaves without a place.
	Requests []NoteRef `json:"requests,omitempty"`
	// Why is why the request has no place in the week at all.
	Why *ExplainNote `json:"why,omitempty"`
}

// RefusalVisit is a planned visit a refusal names: its request (ID, Name
// its clinic), start and end.
type RefusalVisit struct {
	Request NoteRef `json:"request"`
	Start   string  `json:"start,omitempty"`
	End     string  `json:"end,omitempty"`
}

// RenderEditRefusal puts a refusal into words in lang ("ru", the default,
// or "en"); an unknown code reads as itself. The sentence starts in lower
// case, as it follows "The change was not made:".
func RenderEditRefusal(lang string, r EditRefusal) string { return wordsFor(lang).refusal(r) }

// request names the request by its clinic, or by its id when the clinic
// is not known; noun is the Russian form of "заявка" the sentence needs.
func (w words) request(r *NoteRef, noun string) string {
	switch {
	case r == nil:
		return w.pick(noun, "the request")
	case r.Name != "":
		return w.pick(noun+" клиники «"+r.Name+"»", "the request from "+r.Name)
	}
	return w.pick(noun+" "+r.ID, "request "+r.ID)
}

// clinicOf names the clinic of the request.
func (w words) clinicOf(r *NoteRef) string {
	switch {
	case r == nil:
		return w.pick("клиника", "the clinic")
	case r.Name != "":
		return w.clinic(*r)
	}
	return w.pick("клиника заявки "+r.ID, "the clinic of request "+r.ID)
}

// visitTo is "визит в «X»" (Russian only: the English sentences name the
// clinic itself).
func (w words) visitTo(r *NoteRef) string {
	switch {
	case r == nil:
		return w.pick("визит", "the visit")
	case r.Name != "":
		return w.pick("визит в "+w.clinic(*r), "the visit to "+w.clinic(*r))
	}
	return w.pick("визит по заявке "+r.ID, "the visit of request "+r.ID)
}

// who names the trainer.
func (w words) who(r *NoteRef) string {
	if r == nil {
		return "?"
	}
	return w.trainer(*r)
}

// spans lists periods of one day as "09:00–13:00, 14:00–18:00".
func spans(ws []NoteWindow) string {
	parts := make([]string, len(ws))
	for i, x := range ws {
		parts[i] = x.From + "–" + x.To
	}
	return strings.Join(parts, ", ")
}

// days lists dates.
func (w words) days(ds []Date) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = w.date(d)
	}
	return strings.Join(parts, ", ")
}

// refusal puts one refusal into words.
func (w words) refusal(r EditRefusal) string {
	who, when := w.who(r.Trainer), w.date(r.Date)
	switch r.Code {
	case RefusalNotOpen:
		return w.pick(w.request(r.Request, "заявка")+" неактуальна для этой недели: она отменена, выполнена, назначена на другую неделю или её нет",
			w.request(r.Request, "")+" is not open for this week (cancelled, done, booked in another week or unknown)")
	case RefusalAlreadyPlanned:
		return w.pick(w.request(r.Request, "заявка")+" уже в плане: тренер "+who+", "+when+"; её можно перенести, а не назначить",
			w.request(r.Request, "")+" is already on "+who+"'s route on "+when+"; move it instead")
	case RefusalNotInPlan:
		ru, en := w.request(r.Request, "заявка")+" не входит в этот план", w.request(r.Request, "")+" is not in this plan"
		switch r.Op {
		case EditMove:
			ru, en = ru+"; её можно назначить, а не перенести", en+"; assign it instead"
		case EditSwap:
			ru, en = ru+"; поменять местами можно только два запланированных визита", en+"; only two planned visits can be swapped"
		}
		return w.pick(ru, en)
	case RefusalUnplaceable:
		ru, en := w.request(r.Request, "заявка")+" не помещается ни в один день этой недели", w.request(r.Request, "")+" cannot be placed in this week at all"
		if r.Why != nil {
			why := w.note(*r.Why)
			ru, en = ru+": "+why, en+": "+why
		}
		return w.pick(ru, en)
	case RefusalNotPlannedDay:
		return w.pick(when+" не входит в планируемые дни недели с "+w.date(r.Week),
			when+" is not a planned day of the week of "+w.date(r.Week))
	case RefusalTrainerOff:
		return w.pick("тренер "+who+" не работает "+when+": рабочих часов в этот день нет",
			who+" is off on "+when+" (no working hours that day)")
	case RefusalMissingSkill:
		return w.pick("тренер "+who+" не может взять "+w.request(r.Request, "заявку")+": нет "+w.lacking(r.Skills),
			who+" lacks "+w.skills(r.Skills)+" that "+w.request(r.Request, "")+" needs")
	case RefusalDayFull:
		return w.pick("тренер "+who+" уже проводит "+when+" "+w.visits(r.Visits)+" — это дневной максимум",
			who+" already has "+w.visits(r.Visits)+" on "+when+", the most allowed")
	case RefusalExcluded:
		return w.pick(w.request(r.Request, "заявка")+" исключает этого тренера ("+who+")", w.clinicOf(r.Request)+" does not want "+who)
	case RefusalClinicClosedDay:
		ru, en := "на этой неделе — ни в какой день", "no day of this week"
		if len(r.Days) > 0 {
			ru, en = "можно: "+w.days(r.Days), "possible: "+w.days(r.Days)
		}
		return w.pick(w.visitTo(r.Request)+" "+when+" невозможен: это вне часов работы клиники или сроков заявки ("+ru+")",
			w.clinicOf(r.Request)+" on "+when+" is outside the clinic's hours or the request's dates ("+en+")")
	case RefusalHoursDoNotMeet:
		return w.pick(when+" "+w.visitTo(r.Request)+" возможен только "+spans(r.Windows)+", а тренер "+who+" работает "+spans(r.Shifts),
			"the hours of "+w.clinicOf(r.Request)+" on "+when+" ("+spans(r.Windows)+") do not meet "+who+"'s working hours ("+spans(r.Shifts)+")")
	case RefusalStartOutsideClinic:
		return w.pick(w.visitTo(r.Request)+" не может начаться "+when+" в "+r.Time+
			": это вне часов работы клиники или времени заявки (начать можно "+spans(r.Windows)+")",
			w.clinicOf(r.Request)+" at "+r.Time+" on "+when+" is outside the clinic's hours or the request's times (it can start "+spans(r.Windows)+")")
	case RefusalOutsideShift:
		return w.pick("визит "+r.Time+"–"+r.End+" не укладывается в рабочие часы: "+when+" тренер "+who+" работает "+spans(r.Shifts),
			r.Time+"–"+r.End+" is outside "+who+"'s working hours on "+when+" ("+spans(r.Shifts)+")")
	case RefusalTravel:
		prev, until := "?", "?"
		if r.Other != nil {
			prev, until = w.clinic(r.Other.Request), r.Other.End
		}
		return w.pick(fmt.Sprintf("дорога от предыдущего визита (%s, до %s) занимает %d мин: тренер %s приедет в %s, позже начала в %s",
			prev, until, r.Travel, who, r.Arrive, r.Time),
			fmt.Sprintf("travel from the previous stop (%s, until %s) takes %d min: %s arrives at %s, after %s",
				prev, until, r.Travel, who, r.Arrive, r.Time))
	case RefusalNoRoomAt:
		from, to := w.gap(r.Gap)
		return w.pick(fmt.Sprintf("%s с %s до %s тренер %s не успевает провести визит на %d мин вместе с дорогой", when, from, to, who, r.Minutes),
			fmt.Sprintf("no room between %s and %s on %s's route on %s for a %d-minute visit with its travel", from, to, who, when, r.Minutes))
	case RefusalNoRoom:
		from, to := w.gap(r.Gap)
		return w.pick(fmt.Sprintf("нет места: %s самое долгое свободное время тренера (%s) — с %s до %s, этого мало для визита на %d мин вместе с дорогой",
			when, who, from, to, r.Minutes),
			fmt.Sprintf("no room on %s's route on %s: the longest free time is between %s and %s, too short for a %d-minute visit with its travel",
				who, when, from, to, r.Minutes))
	case RefusalDisplaces:
		other, at := "?", "?"
		if r.Other != nil {
			other, at = w.clinic(r.Other.Request), r.Other.Start
		}
		return w.pick("нет места: после изменения не поместится визит в "+other+" в "+at+" — тренер "+who+", "+when,
			"no room: the visit to "+other+" at "+at+" on "+who+"'s route on "+when+" would no longer fit")
	case RefusalPinsUnplaced:
		names := make([]string, len(r.Requests))
		for i, q := range r.Requests {
			names[i] = w.clinic(q)
		}
		return w.pick("после изменения закреплённым визитам не остаётся места: "+strings.Join(names, ", "),
			"the edit leaves pinned visits without a place: "+strings.Join(names, ", "))
	}
	return r.Code
}

// gap is the free time's start and end.
func (w words) gap(g *NoteWindow) (from, to string) {
	if g == nil {
		return "?", "?"
	}
	return g.From, g.To
}
