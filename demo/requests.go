package demo

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/fieldvisit/fieldvisit/models"
)

// topic is what a clinic may ask for, with the skills it takes.
type topic struct {
	text   string
	skills []string
}

// topics by kind, in the words a head administrator would use.
var topics = map[models.Kind][]topic{
	models.KindOnsiteSupport: {
		{"Сопровождение администраторов регистратуры в утренний час пик", []string{SkillRegistratura}},
		{"Поддержка нового старшего администратора в первые смены", []string{SkillRegistratura}},
		{"Переход на новую схему записи через ЕМИАС", []string{SkillEMIAS, SkillRegistratura}},
		{"Колл-центр: много пропущенных звонков с 8 до 10 утра", []string{SkillPhone}},
		{"Поток маломобильных и пожилых пациентов у стойки регистратуры", []string{SkillElderly, SkillRegistratura}},
		{"Инфоматы и электронная очередь: пациенты не справляются сами", []string{SkillEMIAS}},
	},
	models.KindMicroTraining: {
		{"Микро-тренинг: работа с возражениями пациентов", []string{SkillMicroTraining, SkillConflict}},
		{"Микро-тренинг: запись к врачу через ЕМИАС за три минуты", []string{SkillMicroTraining, SkillEMIAS}},
		{"Микро-тренинг: телефонный разговор с недовольным пациентом", []string{SkillMicroTraining, SkillPhone}},
		{"Микро-тренинг: как говорить с пожилым пациентом", []string{SkillMicroTraining, SkillElderly}},
		{"Микро-тренинг: стандарт приветствия и вежливого отказа", []string{SkillMicroTraining}},
	},
	models.KindDifficultCase: {
		{"Повторяющиеся конфликты у окна выдачи справок", []string{SkillConflict}},
		{"Жалоба пациента на грубость администратора, нужен разбор", []string{SkillConflict}},
		{"Пациенты без записи требуют приёма у терапевта", []string{SkillConflict, SkillRegistratura}},
		{"После сбоя записи в ЕМИАС накопились недовольные пациенты", []string{SkillEMIAS, SkillConflict}},
	},
	models.KindFollowUp: {
		{"Повторный визит после микро-тренинга: закрепление навыков", []string{SkillMicroTraining}},
		{"Проверка, как прижился скрипт телефонных разговоров", []string{SkillPhone}},
		{"Контроль после разбора конфликтной ситуации", []string{SkillConflict}},
		{"Повторный визит: запись пожилых пациентов", []string{SkillElderly}},
	},
}

// comments a clinic sometimes adds.
var comments = []string{
	"Лучше до обеда: после 14:00 большой поток пациентов.",
	"Старший администратор — Ирина Викторовна, внутренний 214.",
	"Просим того же тренера, что был в прошлый раз.",
	"Пропуск на территорию оформляем заранее — сообщите, пожалуйста, ФИО тренера.",
	"В регистратуре двое новых сотрудников, работают вторую неделю.",
}

// weighted draws one of items with the given weights.
func weighted[T any](rng *rand.Rand, items []T, weights []int) T {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := rng.IntN(total)
	for i, w := range weights {
		if n < w {
			return items[i]
		}
		n -= w
	}
	return items[len(items)-1]
}

// requests draws the demo's open requests over the next two weeks, plus two
// requests a coordinator has pinned and one no trainer has the skills for.
func requests(rng *rand.Rand, today models.Date, trainers []*models.Trainer, clinics []*models.Clinic) []*models.Request {
	last := today.AddDays(horizonDays - 1)
	out := make([]*models.Request, 0, randomRequests+3)
	for range randomRequests {
		out = append(out, randomRequest(rng, today, last, clinics))
	}
	return append(out, fixedRequests(today, last, trainers, clinics)...)
}

// randomRequest draws one request of a random kind, priority, topic and
// clinic, due within a span its priority allows and by last at the latest.
func randomRequest(rng *rand.Rand, today, last models.Date, clinics []*models.Clinic) *models.Request {
	kind := weighted(rng, models.Kinds, []int{35, 30, 20, 15})
	prio := weighted(rng, models.Priorities, []int{10, 20, 45, 25})
	if kind == models.KindDifficultCase {
		// Difficult cases rarely wait.
		prio = weighted(rng, models.Priorities, []int{35, 40, 20, 5})
	}
	tp := topics[kind][rng.IntN(len(topics[kind]))]
	clinic := clinics[rng.IntN(len(clinics))]

	earliest := weekdayOnOrAfter(today.AddDays(rng.IntN(10)))
	due := min(earliest.AddDays(dueSpan(rng, prio)), last)
	if due < earliest {
		due = earliest
	}

	r := &models.Request{
		ClinicID:        clinic.ID,
		Kind:            kind,
		Topic:           tp.text,
		Skills:          slices.Clone(tp.skills),
		DurationMinutes: models.DefaultDuration(kind),
		EarliestDate:    earliest,
		DueDate:         due,
		Priority:        prio,
		Status:          models.StatusNew,
	}
	shapeByKind(rng, r)
	if rng.IntN(10) < 3 {
		r.Comment = comments[rng.IntN(len(comments))]
	}
	return r
}

// dueSpan draws how many days after its earliest date a request of prio is
// due: the more urgent, the sooner.
func dueSpan(rng *rand.Rand, prio models.Priority) int {
	switch prio {
	case models.PriorityUrgent:
		return rng.IntN(3)
	case models.PriorityHigh:
		return 1 + rng.IntN(4)
	case models.PriorityNormal:
		return 3 + rng.IntN(6)
	default:
		return 5 + rng.IntN(8)
	}
}

// shapeByKind draws the duration, participants and preferred times that
// suit r's kind.
func shapeByKind(rng *rand.Rand, r *models.Request) {
	switch r.Kind {
	case models.KindMicroTraining:
		r.DurationMinutes = []int{30, 45, 60}[rng.IntN(3)]
		r.Participants = 3 + rng.IntN(6)
		if rng.IntN(10) < 6 {
			// Staff can leave the desk only at a quiet hour.
			r.PreferredWindows = onWorkdays([]models.Window{[]models.Window{w(13, 0, 15, 0), w(15, 0, 17, 0)}[rng.IntN(2)]})
		}
	case models.KindOnsiteSupport:
		r.DurationMinutes = []int{90, 120, 180}[rng.IntN(3)]
		if rng.IntN(10) < 3 {
			r.PreferredWindows = onWorkdays([]models.Window{w(8, 0, 12, 0)})
		}
	default:
		if rng.IntN(10) < 2 {
			r.PreferredWindows = onWorkdays([]models.Window{w(10, 0, 13, 0), w(14, 0, 18, 0)})
		}
	}
}

// fixedRequests are the same three every time: two visits a coordinator
// has fixed, one to a trainer and a day, one to an exact time (both fit the
// trainer's hours and the clinic's), and one nobody has the skills for.
func fixedRequests(today, last models.Date, trainers []*models.Trainer, clinics []*models.Clinic) []*models.Request {
	anna, sergey := trainers[0], trainers[5]
	annaDay := workingDay(anna, weekdayOnOrAfter(today.AddDays(3)))
	ten := models.TimeOfDay(10 * 60)
	return []*models.Request{
		{
			ClinicID: clinics[0].ID, Kind: models.KindMicroTraining,
			Topic:  "Микро-тренинг: запись к врачу через ЕМИАС за три минуты",
			Skills: []string{SkillMicroTraining, SkillEMIAS}, DurationMinutes: 45, Participants: 6,
			EarliestDate: annaDay, DueDate: annaDay, Priority: models.PriorityHigh, Status: models.StatusNew,
			Pin:     &models.Pin{TrainerID: anna.ID, Date: annaDay, Start: &ten},
			Comment: "Согласовано с главным врачом: начало ровно в 10:00.",
		},
		{
			ClinicID: clinics[27].ID, Kind: models.KindDifficultCase,
			Topic:  "Пациенты без записи требуют приёма у терапевта",
			Skills: []string{SkillConflict, SkillRegistratura}, DurationMinutes: 90,
			EarliestDate: weekdayOnOrAfter(today.AddDays(1)), DueDate: weekdayOnOrAfter(today.AddDays(1)).AddDays(4),
			Priority: models.PriorityUrgent, Status: models.StatusNew,
			Pin: &models.Pin{TrainerID: sergey.ID},
		},
		// Nobody has sign language: the plan shows why this one waits.
		{
			ClinicID: clinics[3].ID, Kind: models.KindOnsiteSupport,
			Topic:  "Обслуживание пациентов с нарушением слуха у стойки регистратуры",
			Skills: []string{SkillRegistratura, SkillSignLanguage}, DurationMinutes: 120,
			EarliestDate: weekdayOnOrAfter(today.AddDays(2)), DueDate: last,
			Priority: models.PriorityNormal, Status: models.StatusNew,
		},
	}
}

// weekdayOnOrAfter moves a weekend date to the following Monday, so that
// every request's range holds a working day.
func weekdayOnOrAfter(d models.Date) models.Date {
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDays(1)
	}
	return d
}

// workingDay returns the first date on or after d on which t works.
func workingDay(t *models.Trainer, d models.Date) models.Date {
	for len(t.Availability.Windows(d)) == 0 {
		d = d.AddDays(1)
	}
	return d
}

// onWorkdays repeats windows Monday to Friday.
func onWorkdays(ws []models.Window) models.Week {
	return days(ws, workdays...)
}
