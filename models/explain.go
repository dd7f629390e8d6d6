package models

import (
	"fmt"
	"strings"
	"time"
)

// Explanations of unassigned requests are stored as codes with their
// values (ExplainNote) and put into words only when someone reads them, in
// the reader's language: a plan made at night for a Russian coordinator
// reads in English for an English one, and a later page can reuse the
// same words. Every name a sentence needs (trainer, clinic, date, time) is
// stored with the note, so that rendering needs no lookups.

// ExplainNote is one explanation fact: why a request is left out, or one
// change that would let it in. Code says which; the other fields are the
// values the code speaks of, and most are empty for most codes.
type ExplainNote struct {
	Code string `bson:"code" json:"code"`
	// Routes are trainer-days (the one a change applies to, or those in
	// the way); Trainers are trainers named without a day.
	Routes   []NoteRoute `bson:"routes,omitempty" json:"routes,omitempty"`
	Trainers []NoteRef   `bson:"trainers,omitempty" json:"trainers,omitempty"`
	// Requests are neighbouring visits (ID the request, Name its clinic);
	// an empty ID stands for the start or end of the trainer's day.
	Requests []NoteRef `bson:"requests,omitempty" json:"requests,omitempty"`
	Skills   []string  `bson:"skills,omitempty" json:"skills,omitempty"`
	// Windows are allowed start times.
	Windows []NoteWindow `bson:"windows,omitempty" json:"windows,omitempty"`
	// Date is a day a change moves to (due or earliest day).
	Date Date `bson:"date,omitempty" json:"date,omitempty"`
	// Shift names one shift of a split day, "08:00–12:00".
	Shift string `bson:"shift,omitempty" json:"shift,omitempty"`
	// Time is a new time of day and Was the current one, "HH:MM".
	Time string `bson:"time,omitempty" json:"time,omitempty"`
	Was  string `bson:"was,omitempty" json:"was,omitempty"`
	// Amount and Before are a new number and the current one; Counts are
	// further numbers (visits of higher, equal and lower priority).
	Amount int   `bson:"amount,omitempty" json:"amount,omitempty"`
	Before int   `bson:"before,omitempty" json:"before,omitempty"`
	Counts []int `bson:"counts,omitempty" json:"counts,omitempty"`
	// Minutes is the size of a change, which ranks changes.
	Minutes int `bson:"minutes,omitempty" json:"minutes,omitempty"`
	// Earliest and Due are the request's dates, Week the planned week
	// (for a request with no time at all in the week).
	Earliest Date `bson:"earliest,omitempty" json:"earliest,omitempty"`
	Due      Date `bson:"due,omitempty" json:"due,omitempty"`
	Week     Date `bson:"week,omitempty" json:"week,omitempty"`
	// Pin is what the request is pinned to, for the pin codes.
	Pin *NotePin `bson:"pin,omitempty" json:"pin,omitempty"`
}

// NoteRef names a trainer or a request by id and by the name people know.
type NoteRef struct {
	ID   string `bson:"id" json:"id"`
	Name string `bson:"name,omitempty" json:"name,omitempty"`
}

// NoteRoute is one trainer-day.
type NoteRoute struct {
	Trainer NoteRef `bson:"trainer" json:"trainer"`
	Date    Date    `bson:"date" json:"date"`
}

// NoteWindow is a period of allowed start times on one day.
type NoteWindow struct {
	Date Date   `bson:"date" json:"date"`
	From string `bson:"from" json:"from"`
	To   string `bson:"to" json:"to"`
}

// NotePin is a coordinator's pin as an explanation names it; each part is
// optional.
type NotePin struct {
	Trainer *NoteRef `bson:"trainer,omitempty" json:"trainer,omitempty"`
	Date    Date     `bson:"date,omitempty" json:"date,omitempty"`
	Time    string   `bson:"time,omitempty" json:"time,omitempty"`
}

// Localize puts every unassigned entry's explanation into words in lang
// ("ru", the default, or "en"), for a reader; see Unassigned.Localize.
func (p *Plan) Localize(lang string) {
	for i := range p.Unassigned {
		p.Unassigned[i].Localize(lang)
	}
}

// Localize fills Detail, Relaxation, Relaxations and Summary in lang from
// the structured explanation. An entry of an older plan, stored with
// English text only, keeps its text; its Summary still names the clinic
// where the entry has it.
func (u *Unassigned) Localize(lang string) {
	w := wordsFor(lang)
	if u.Why != nil {
		u.Detail = w.note(*u.Why)
		u.Relaxations = u.Relaxations[:0]
		for _, f := range u.Fixes {
			u.Relaxations = append(u.Relaxations, w.note(f))
		}
		u.Relaxation = ""
		switch {
		case len(u.Relaxations) > 0:
			u.Relaxation = u.Relaxations[0]
		case u.NoSmallChange:
			u.Relaxation = w.pick("никакое небольшое изменение не позволяет её включить", "no small change lets it in")
		}
		if len(u.Relaxations) == 0 {
			u.Relaxations = nil
		}
	}
	var b strings.Builder
	if subject := w.subject(u); subject != "" {
		b.WriteString(subject)
		b.WriteString(": ")
	}
	b.WriteString(u.Detail)
	if u.Relaxation != "" {
		b.WriteString("; ")
		b.WriteString(u.Relaxation)
	}
	u.Summary = b.String()
}

// RenderNote puts one note into words in lang; pages and mails use it for
// notes shown on their own.
func RenderNote(lang string, n ExplainNote) string { return wordsFor(lang).note(n) }

// words holds the language of one rendering.
type words struct{ en bool }

func wordsFor(lang string) words { return words{en: lang == "en"} }

// pick returns the Russian or the English text.
func (w words) pick(ru, en string) string {
	if w.en {
		return en
	}
	return ru
}

// subject names the request: its clinic, kind and topic.
func (w words) subject(u *Unassigned) string {
	// Entries of older plans have no clinic name; an id is no subject.
	clinic := u.ClinicName
	if clinic == "" {
		return ""
	}
	s := w.pick("«"+clinic+"»", clinic)
	if u.Kind != "" {
		s += ", " + w.kind(u.Kind)
	}
	if u.Topic != "" {
		s += w.pick(" «"+u.Topic+"»", " “"+u.Topic+"”")
	}
	return s
}

func (w words) kind(k Kind) string {
	switch k {
	case KindOnsiteSupport:
		return w.pick("поддержка на месте", "on-site support")
	case KindMicroTraining:
		return w.pick("микро-обучение", "micro-training")
	case KindDifficultCase:
		return w.pick("разбор сложного случая", "difficult case")
	case KindFollowUp:
		return w.pick("повторный визит", "follow-up visit")
	}
	return string(k)
}

// date is "10 декабря (чт)" or "Thu 10 December": the short weekday in
// brackets keeps Russian free of the cases a weekday takes after a
// preposition.
func (w words) date(d Date) string {
	t, err := time.Parse(DateLayout, string(d))
	if err != nil {
		return string(d)
	}
	if w.en {
		return fmt.Sprintf("%s %d %s", t.Weekday().String()[:3], t.Day(), t.Month())
	}
	ruWeekdays := [7]string{"вс", "пн", "вт", "ср", "чт", "пт", "сб"}
	ruMonths := [12]string{"января", "февраля", "марта", "апреля", "мая", "июня", "июля",
		"августа", "сентября", "октября", "ноября", "декабря"}
	return fmt.Sprintf("%d %s (%s)", t.Day(), ruMonths[t.Month()-1], ruWeekdays[t.Weekday()])
}

func (w words) trainer(r NoteRef) string {
	if r.Name != "" {
		return r.Name
	}
	return r.ID
}

func (w words) trainers(rs []NoteRef) string {
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = w.trainer(r)
	}
	return strings.Join(names, ", ")
}

func (w words) route(r NoteRoute) string {
	return w.trainer(r.Trainer) + ", " + w.date(r.Date)
}

func (w words) firstRoute(n ExplainNote) string {
	if len(n.Routes) == 0 {
		return "?"
	}
	return w.route(n.Routes[0])
}

func (w words) windows(ws []NoteWindow) string {
	parts := make([]string, 0, len(ws))
	for i, x := range ws {
		if i == 4 {
			parts = append(parts, w.pick(fmt.Sprintf("и ещё %d", len(ws)-4), fmt.Sprintf("and %d more", len(ws)-4)))
			break
		}
		if x.From == x.To {
			parts = append(parts, fmt.Sprintf("%s %s", w.date(x.Date), x.From))
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %s–%s", w.date(x.Date), x.From, x.To))
	}
	return strings.Join(parts, ", ")
}

// clinic names a neighbouring visit by its clinic.
func (w words) clinic(r NoteRef) string {
	name := r.Name
	if name == "" {
		name = r.ID
	}
	return w.pick("«"+name+"»", name)
}

// position says where in a trainer-day a visit would go.
func (w words) position(n ExplainNote) string {
	before, after := NoteRef{}, NoteRef{}
	if len(n.Requests) == 2 {
		before, after = n.Requests[0], n.Requests[1]
	}
	switch {
	case before.ID == "" && after.ID == "":
		return w.pick("(свободный день)", "(a free day)")
	case before.ID == "":
		return w.pick("перед визитом в "+w.clinic(after), "before the visit to "+w.clinic(after))
	case after.ID == "":
		return w.pick("после визита в "+w.clinic(before), "after the visit to "+w.clinic(before))
	}
	return w.pick("между визитами в "+w.clinic(before)+" и "+w.clinic(after),
		"between the visits to "+w.clinic(before)+" and "+w.clinic(after))
}

// visits is "3 визита" or "3 visits".
func (w words) visits(n int) string {
	if w.en {
		if n == 1 {
			return "1 visit"
		}
		return fmt.Sprintf("%d visits", n)
	}
	form := "визитов"
	switch n10, n100 := n%10, n%100; {
	case n100 >= 11 && n100 <= 14:
	case n10 == 1:
		form = "визит"
	case n10 >= 2 && n10 <= 4:
		form = "визита"
	}
	return fmt.Sprintf("%d %s", n, form)
}

// pinned says what the request is pinned to.
func (w words) pinned(p *NotePin) string {
	if p == nil {
		return w.pick("закреплена", "pinned")
	}
	var parts []string
	if p.Trainer != nil {
		parts = append(parts, w.pick("за ", "to ")+w.trainer(*p.Trainer))
	}
	if p.Date != "" {
		parts = append(parts, w.pick("на ", "on ")+w.date(p.Date))
	}
	if p.Time != "" {
		parts = append(parts, w.pick("в ", "at ")+p.Time)
	}
	return w.pick("закреплена", "pinned") + " " + strings.Join(parts, ", ")
}

// skills lists skills with their noun: "навык a" / "навыки a, b".
func (w words) skills(s []string) string {
	list := strings.Join(s, ", ")
	if len(s) == 1 {
		return w.pick("навык ", "the skill ") + list
	}
	return w.pick("навыки ", "the skills ") + list
}

// lacking lists skills someone lacks: "навыка a" / "навыков a, b" (the
// Russian genitive after "нет").
func (w words) lacking(s []string) string {
	list := strings.Join(s, ", ")
	if len(s) == 1 {
		return w.pick("навыка ", "the skill ") + list
	}
	return w.pick("навыков ", "the skills ") + list
}

// note puts one note into words; an unknown code reads as itself. A note
// is a pin's obstacle, a fix (its code starts with "fix_") or a cause.
func (w words) note(n ExplainNote) string {
	switch {
	case strings.HasPrefix(n.Code, "pin_") && n.Code != "pin_trainer_off_week" && n.Code != "pin_outside_week":
		return w.pinned(n.Pin) + ": " + w.pinNote(n)
	case strings.HasPrefix(n.Code, "fix_"):
		return w.fixNote(n)
	}
	return w.causeNote(n)
}

// causeNote is why a request stayed unassigned; an unknown code reads as
// itself.
func (w words) causeNote(n ExplainNote) string {
	switch n.Code {
	case "no_skill":
		return w.pick("ни у одного тренера нет ", "no trainer has ") + w.lacking(n.Skills)
	case "no_skill_together":
		return w.pick("ни у одного тренера нет сразу всех навыков: ", "no trainer has all the skills ") + strings.Join(n.Skills, ", ")
	case "excluded":
		return w.pick("заявка исключает всех тренеров с нужными навыками ("+w.trainers(n.Trainers)+")",
			"the request excludes every trainer with the skills it needs ("+w.trainers(n.Trainers)+")")
	case "load":
		return w.pick(fmt.Sprintf("нагрузка %d больше дневного лимита каждого подходящего тренера", n.Amount),
			fmt.Sprintf("its load %d exceeds the day's limit of every qualified trainer", n.Amount))
	case "no_window":
		return w.pick("ни одно допустимое время начала визита ("+w.windows(n.Windows)+") не попадает в смены подходящих тренеров",
			"none of its allowed start times ("+w.windows(n.Windows)+") falls within a shift of a qualified trainer")
	case "lunch_only":
		return w.pick("допустимое время приходится на смены тренеров только в обеденный перерыв",
			"its allowed times meet the trainers' shifts only during the lunch break")
	case "unreachable":
		return w.pick("ни один подходящий тренер не успевает доехать, провести визит в допустимое время и вернуться до конца смены",
			"no qualified trainer can travel there, serve it within its allowed times and get back before the shift ends")
	case "max_work":
		return w.pick("визит вывел бы каждого подходящего тренера за максимум рабочего времени в день",
			"serving it would take every qualified trainer past the maximum working time of the day")
	case "fits_missed":
		return w.pick("помещается: "+w.firstRoute(n)+" "+w.position(n)+", но поиск не нашёл это место",
			"it fits "+w.firstRoute(n)+" "+w.position(n)+", but the search did not find this placement")
	case "taken":
		return w.taken(n)
	case "interrupted":
		return w.pick("планирование остановилось раньше, чем дошло до этой заявки", "planning stopped before the search tried to place it")
	case "unexplained":
		return w.pick("время планирования кончилось раньше, чем нашлась причина", "planning ran out of time before finding out why it is left out")
	case "unknown_clinic":
		return w.pick("клиники заявки нет в базе", "the request's clinic does not exist")
	case "clinic_no_place":
		return w.pick("у клиники нет координат", "the clinic has no coordinates")
	case "unassigned_by_coordinator":
		return w.pick("координатор снял заявку с плана", "taken out of the plan by a coordinator")
	case "no_slot_in_week":
		return w.pick(
			fmt.Sprintf("в часы работы клиники и в пожелания заявки%s нет окна в %d минут на неделе с %s", w.span(n), n.Amount, w.date(n.Week)),
			fmt.Sprintf("no %d-minute slot within the clinic's hours and the request's preferred times%s in the week of %s", n.Amount, w.span(n), w.date(n.Week)))
	case "pin_trainer_off_week":
		return w.pick("закреплена за тренером "+w.trainers(n.Trainers)+", который не работает на неделе с "+w.date(n.Week),
			"pinned to "+w.trainers(n.Trainers)+", who does not work in the week of "+w.date(n.Week))
	case "pin_outside_week":
		return w.pick("закреплена на "+w.date(n.Date)+", вне планируемых дней недели с "+w.date(n.Week),
			"pinned to "+w.date(n.Date)+", outside the planned days of the week of "+w.date(n.Week))
	}
	return n.Code
}

// taken says that every trainer-day that could serve the request is taken,
// by how many visits of each priority, and when it may start.
func (w words) taken(n ExplainNote) string {
	count := func(i int) int {
		if i < len(n.Counts) {
			return n.Counts[i]
		}
		return 0
	}
	days := w.pick("единственный подходящий день тренера занят", "the one trainer-day that could serve it is taken")
	if n.Amount > 1 {
		days = w.pick(fmt.Sprintf("все подходящие дни тренеров (%d) заняты", n.Amount),
			fmt.Sprintf("all %d trainer-days that could serve it are taken", n.Amount))
	}
	if len(n.Routes) > 0 && len(n.Routes) <= 3 {
		routes := make([]string, len(n.Routes))
		for i, r := range n.Routes {
			routes[i] = w.route(r)
		}
		days += " (" + strings.Join(routes, "; ") + ")"
	}
	only := ""
	if len(n.Windows) > 0 && len(n.Windows) <= 3 {
		only = w.pick("; начать визит можно только "+w.windows(n.Windows), "; it may start only "+w.windows(n.Windows))
	}
	return w.pick(
		fmt.Sprintf("в свободный день визит поместился бы, но %s: визитов более высокого приоритета — %d, такого же — %d, более низкого — %d%s",
			days, count(0), count(1), count(2), only),
		fmt.Sprintf("it fits an empty day, but %s: %s of higher, %d of equal and %d of lower priority%s",
			days, w.visits(count(0)), count(1), count(2), only))
}

// fixNote is one change that would let the request in: a fix applies to
// the trainer-day of its first route. An unknown code reads as itself.
func (w words) fixNote(n ExplainNote) string {
	// who and when are the trainer and the date of the trainer-day a
	// change applies to.
	who, when := "?", "?"
	if len(n.Routes) > 0 {
		who, when = w.trainer(n.Routes[0].Trainer), w.date(n.Routes[0].Date)
	}
	shift := ""
	if n.Shift != "" {
		shift = w.pick(" (смена "+n.Shift+")", " (the "+n.Shift+" shift)")
	}
	switch n.Code {
	case "fix_skill":
		return w.pick("поместится, если у тренера "+who+" появится "+w.skills(n.Skills)+" (визит "+when+")",
			"fits if "+who+" gains "+w.skills(n.Skills)+" (for "+when+")")
	case "fix_unexclude":
		return w.pick("поместится, если заявка перестанет исключать тренера "+who+" (визит "+when+")",
			"fits if the request no longer excludes "+who+" (for "+when+")")
	case "fix_load":
		return w.pick(fmt.Sprintf("поместится, если %s тренер %s проведёт %s (сейчас лимит %d)", when, who, w.visits(n.Amount), n.Before),
			fmt.Sprintf("fits if %s may take %s on %s (now %d)", who, w.visits(n.Amount), when, n.Before))
	case "fix_shift_end":
		return w.pick("поместится, если "+when+" тренер "+who+" поработает до "+n.Time+shift+" (сейчас до "+n.Was+")",
			"fits if "+who+" works until "+n.Time+shift+" on "+when+" (now until "+n.Was+")")
	case "fix_shift_start":
		return w.pick("поместится, если "+when+" тренер "+who+" начнёт в "+n.Time+shift+" (сейчас в "+n.Was+")",
			"fits if "+who+" starts at "+n.Time+shift+" on "+when+" (now at "+n.Was+")")
	case "fix_due_day":
		return w.pick("поместится, если срок перенести на "+w.date(n.Date), "fits if the due date moves to "+w.date(n.Date))
	case "fix_earliest_day":
		return w.pick("поместится, если визит можно провести уже "+w.date(n.Date), "fits if it may be served from "+w.date(n.Date))
	case "fix_pin_time":
		return w.pick("поместится, если закреплённое время перенести на "+n.Time+" (сейчас "+n.Was+"), "+when+", тренер "+who,
			"fits if the pinned time moves to "+n.Time+" on "+when+" (now "+n.Was+"), with "+who)
	case "fix_unpin":
		return w.pick("поместится, если снять закрепление: визит может взять тренер "+who+", "+when,
			"fits if the pin is lifted: "+who+" could take it on "+when)
	}
	return n.Code
}

// span is " между 7 декабря (пн) и 8 декабря (вт)" for the request's dates.
func (w words) span(n ExplainNote) string {
	switch {
	case n.Earliest != "" && n.Due != "":
		return w.pick(" с "+w.date(n.Earliest)+" по "+w.date(n.Due), " from "+w.date(n.Earliest)+" to "+w.date(n.Due))
	case n.Due != "":
		return w.pick(" до "+w.date(n.Due), " by "+w.date(n.Due))
	case n.Earliest != "":
		return w.pick(" с "+w.date(n.Earliest), " from "+w.date(n.Earliest))
	}
	return ""
}

// pinNote is what stands in the way of a pin.
func (w words) pinNote(n ExplainNote) string {
	switch n.Code {
	case "pin_no_route":
		return w.pick("тренер в этот день не работает", "that trainer does not work that day")
	case "pin_no_skill":
		return w.pick("у тренера "+w.trainers(n.Trainers)+" нет "+w.lacking(n.Skills), w.trainers(n.Trainers)+" lacks "+w.skills(n.Skills))
	case "pin_excluded":
		return w.pick("заявка исключает тренера "+w.trainers(n.Trainers), "the request excludes "+w.trainers(n.Trainers))
	case "pin_load":
		return w.pick("дневной лимит визитов тренера исчерпан", "the trainer's daily limit of visits is reached")
	case "pin_time_outside":
		return w.pick("закреплённое время вне допустимого времени начала ("+w.windows(n.Windows)+")",
			"the pinned time is outside its allowed start times ("+w.windows(n.Windows)+")")
	case "pin_no_window":
		return w.pick("ни одно допустимое время начала ("+w.windows(n.Windows)+") не попадает в смены закреплённого дня",
			"none of its allowed start times ("+w.windows(n.Windows)+") falls within the pinned trainer-day's shifts")
	case "pin_unreachable":
		return w.pick("тренер не успевает доехать, провести визит как закреплено и вернуться в пределах смены даже в свободный день",
			"the trainer cannot travel there, serve it as pinned and get back within the shift, even on an empty day")
	case "pin_lunch":
		return w.pick("обеденный перерыв не оставляет места для визита как закреплено", "the lunch break leaves no room for it as pinned")
	case "pin_max_work":
		return w.pick("визит вывел бы тренера за максимум рабочего времени в день", "it would exceed the maximum working time of the day")
	case "pin_fits_missed":
		return w.pick("помещается: "+w.firstRoute(n)+" "+w.position(n)+", но поиск его не поставил",
			"it fits "+w.firstRoute(n)+" "+w.position(n)+", but the search did not place it")
	case "pin_crowded":
		return w.pick("день "+w.firstRoute(n)+" заняли незакреплённые визиты, и поиск не подвинул их",
			"unpinned visits fill "+w.firstRoute(n)+", and the search did not move them to make room")
	case "pin_collides":
		routes := make([]string, len(n.Routes))
		for i, r := range n.Routes {
			routes[i] = w.route(r)
		}
		return w.pick("мешают закреплённые визиты: "+strings.Join(routes, "; "), "it collides with the pinned visits on "+strings.Join(routes, "; "))
	}
	return n.Code
}
