package demo

import (
	"time"

	"github.com/fieldvisit/fieldvisit/models"
)

// Skills the demo uses. Requests name them, trainers have some of them.
const (
	SkillRegistratura  = "registratura"   // front-desk routines
	SkillConflict      = "conflict"       // de-escalating difficult patients
	SkillEMIAS         = "emias"          // the city's appointment system
	SkillPhone         = "phone"          // call-centre conversations
	SkillElderly       = "elderly"        // serving elderly patients
	SkillMicroTraining = "micro-training" // running a short group session
	// SkillSignLanguage is asked for by one request and held by no trainer,
	// so the demo plan shows an unscheduled request with its reason.
	SkillSignLanguage = "sign-language"
)

// override is a date override relative to the seed day: the first date on
// weekday at least afterDays days from today.
type override struct {
	afterDays int
	weekday   time.Weekday
	off       bool
	windows   []models.Window
	note      string
}

// trainerRow is one demo trainer.
type trainerRow struct {
	name, email, phone string
	skills             []string
	home               *place // nil: starts and ends at the training centre
	mode               models.TravelMode
	weekly             models.Week
	lunch              *models.Lunch
	overrides          []override
	maxVisits, maxWork int
	lang               string
}

// w is shorthand for a window from hh:mm to hh:mm.
func w(startH, startM, endH, endM int) models.Window {
	return models.Window{Start: models.TimeOfDay(startH*60 + startM), End: models.TimeOfDay(endH*60 + endM)}
}

// days puts the same windows on the given weekdays.
func days(ws []models.Window, on ...time.Weekday) models.Week {
	var week models.Week
	for _, d := range on {
		switch d {
		case time.Monday:
			week.Mon = ws
		case time.Tuesday:
			week.Tue = ws
		case time.Wednesday:
			week.Wed = ws
		case time.Thursday:
			week.Thu = ws
		case time.Friday:
			week.Fri = ws
		case time.Saturday:
			week.Sat = ws
		case time.Sunday:
			week.Sun = ws
		}
	}
	return week
}

var workdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}

// trainerRows are eight trainers: full- and part-time, split shifts, a day
// off and changed hours in the coming fortnight, lunch breaks, starts at home
// or at the training centre, by car, public transport or on foot.
var trainerRows = []trainerRow{
	{
		name: "Анна Смирнова", email: "a.smirnova@" + Domain, phone: "+7 916 120-45-17",
		skills: []string{SkillRegistratura, SkillEMIAS, SkillMicroTraining},
		mode:   models.TravelTransit,
		weekly: days([]models.Window{w(9, 0, 18, 0)}, workdays...),
		lunch:  &models.Lunch{Earliest: 12*60 + 30, Latest: 14 * 60, Minutes: 45},
		// Anna's pinned visits in the demo rely on her regular hours.
		maxVisits: 4, maxWork: 480, lang: "ru",
	},
	{
		name: "Дмитрий Кузнецов", email: "d.kuznetsov@" + Domain, phone: "+7 903 555-21-09",
		skills: []string{SkillConflict, SkillPhone, SkillRegistratura},
		home:   &place{"Москва, Братиславская ул., 26", 55.6590, 37.7530},
		mode:   models.TravelCar,
		weekly: func() models.Week {
			wk := days([]models.Window{w(8, 30, 17, 30)}, time.Monday, time.Wednesday, time.Friday)
			split := []models.Window{w(8, 0, 12, 0), w(15, 0, 19, 0)}
			wk.Tue, wk.Thu = split, split
			return wk
		}(),
		lunch:     &models.Lunch{Earliest: 13 * 60, Latest: 14*60 + 30, Minutes: 30},
		maxVisits: 5, maxWork: 480, lang: "ru",
	},
	{
		name: "Елена Попова", email: "e.popova@" + Domain, phone: "+7 925 310-77-40",
		skills:    []string{SkillElderly, SkillMicroTraining, SkillRegistratura},
		home:      &place{"Москва, Профсоюзная ул., 104", 55.6320, 37.5180},
		mode:      models.TravelTransit,
		weekly:    days([]models.Window{w(9, 0, 14, 0)}, time.Monday, time.Wednesday, time.Friday),
		maxVisits: 3, maxWork: 300, lang: "ru",
	},
	{
		name: "Игорь Васильев", email: "i.vasiliev@" + Domain, phone: "+7 985 402-18-66",
		skills: []string{SkillEMIAS, SkillPhone},
		home:   &place{"Москва, ул. Свободы, 67", 55.8560, 37.4410},
		mode:   models.TravelCar,
		weekly: days([]models.Window{w(10, 0, 19, 0)}, workdays...),
		lunch:  &models.Lunch{Earliest: 13 * 60, Latest: 15 * 60, Minutes: 45},
		overrides: []override{
			{afterDays: 5, weekday: time.Wednesday, off: true, note: "Отгул"},
		},
		maxVisits: 5, maxWork: 480, lang: "ru",
	},
	{
		name: "Ольга Новикова", email: "o.novikova@" + Domain, phone: "+7 916 870-03-52",
		skills: []string{SkillConflict, SkillElderly, SkillMicroTraining},
		mode:   models.TravelTransit,
		weekly: func() models.Week {
			wk := days([]models.Window{w(8, 30, 17, 30)}, time.Monday, time.Tuesday, time.Wednesday, time.Thursday)
			wk.Sat = []models.Window{w(10, 0, 14, 0)}
			return wk
		}(),
		lunch:     &models.Lunch{Earliest: 12 * 60, Latest: 13*60 + 30, Minutes: 30},
		maxVisits: 4, maxWork: 450, lang: "ru",
	},
	{
		name: "Сергей Морозов", email: "s.morozov@" + Domain, phone: "+7 909 631-90-25",
		skills: []string{SkillRegistratura, SkillEMIAS, SkillConflict, SkillPhone},
		home:   &place{"Москва, Первомайская ул., 42", 55.7940, 37.7900},
		mode:   models.TravelCar,
		weekly: days([]models.Window{w(9, 0, 18, 0)}, workdays...),
		lunch:  &models.Lunch{Earliest: 12*60 + 30, Latest: 14 * 60, Minutes: 45},
		overrides: []override{
			{afterDays: 2, weekday: time.Tuesday, windows: []models.Window{w(12, 0, 18, 0)},
				note: "Утром — аттестация в учебном центре"},
		},
		maxVisits: 5, maxWork: 480, lang: "ru",
	},
	{
		name: "Мария Волкова", email: "m.volkova@" + Domain, phone: "+7 926 244-61-38",
		skills: []string{SkillMicroTraining, SkillPhone},
		// She works in the centre, on foot from the training centre.
		mode:      models.TravelWalk,
		weekly:    days([]models.Window{w(12, 0, 20, 0)}, time.Tuesday, time.Thursday),
		maxVisits: 3, maxWork: 360, lang: "ru",
	},
	{
		name: "Алексей Лебедев", email: "a.lebedev@" + Domain, phone: "+7 977 118-52-93",
		skills: []string{SkillElderly, SkillRegistratura, SkillEMIAS},
		home:   &place{"Москва, ул. Менжинского, 23", 55.8690, 37.6640},
		mode:   models.TravelTransit,
		weekly: func() models.Week {
			wk := days([]models.Window{w(9, 0, 18, 0)}, workdays...)
			wk.Wed = []models.Window{w(9, 0, 13, 0), w(15, 0, 19, 0)}
			return wk
		}(),
		lunch: &models.Lunch{Earliest: 12*60 + 30, Latest: 14 * 60, Minutes: 45},
		overrides: []override{
			{afterDays: 8, weekday: time.Friday, off: true, note: "Отпуск"},
		},
		maxVisits: 4, maxWork: 480, lang: "ru",
	},
}

// trainer builds the trainer, placing overrides relative to today.
func (row trainerRow) trainer(today models.Date) *models.Trainer {
	start := trainingCentre
	if row.home != nil {
		start = *row.home
	}
	p := models.Place{Address: start.address, Lat: start.lat, Lon: start.lon}
	t := &models.Trainer{
		Name:           row.name,
		Email:          row.email,
		Phone:          row.phone,
		Skills:         row.skills,
		StartPlace:     p,
		EndPlace:       p,
		MaxVisitsDay:   row.maxVisits,
		MaxWorkMinutes: row.maxWork,
		TravelMode:     row.mode,
		Lang:           row.lang,
		Availability:   models.Availability{Weekly: row.weekly, Lunch: row.lunch},
	}
	for _, o := range row.overrides {
		t.Overrides = append(t.Overrides, models.DateOverride{
			Date: nextWeekday(today.AddDays(o.afterDays), o.weekday), Off: o.off, Windows: o.windows, Note: o.note,
		})
	}
	return t
}

// nextWeekday returns the first date on or after d that falls on wd.
func nextWeekday(d models.Date, wd time.Weekday) models.Date {
	for d.Weekday() != wd {
		d = d.AddDays(1)
	}
	return d
}
