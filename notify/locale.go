package notify

import (
	"fmt"
	"time"
)

// Lang is a recipient's language for e-mails and invitations.
type Lang string

// The languages e-mails are written in.
const (
	LangRussian Lang = "ru"
	LangEnglish Lang = "en"
)

// Langs lists the languages NewComposer requires templates for, the default first.
func Langs() []Lang { return []Lang{LangRussian, LangEnglish} }

// orDefault maps an empty or unknown preference to Russian, the default.
func (l Lang) orDefault() Lang {
	if l == LangEnglish {
		return LangEnglish
	}
	return LangRussian
}

// Kind is what a visit is for; the values match the request kinds the
// service stores.
type Kind string

// The kinds of visit.
const (
	KindOnsiteSupport Kind = "onsite_support"
	KindMicroTraining Kind = "micro_training"
	KindDifficultCase Kind = "difficult_case"
	KindFollowUp      Kind = "follow_up"
)

// locale holds the words Go code needs to format dates, counts and kinds;
// everything else a recipient reads lives in the templates.
type locale struct {
	lang          Lang
	weekdays      [7]string // Sunday first, as time.Weekday
	weekdaysShort [7]string
	months        [12]string // the form used after a day number
}

func localeFor(l Lang) locale {
	if l.orDefault() == LangEnglish {
		return locale{
			lang:          LangEnglish,
			weekdays:      [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
			weekdaysShort: [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
			months: [12]string{"January", "February", "March", "April", "May", "June", "July",
				"August", "September", "October", "November", "December"},
		}
	}
	return locale{
		lang:          LangRussian,
		weekdays:      [7]string{"воскресенье", "понедельник", "вторник", "среда", "четверг", "пятница", "суббота"},
		weekdaysShort: [7]string{"вс", "пн", "вт", "ср", "чт", "пт", "сб"},
		// Genitive: "8 декабря", never "8 декабрь".
		months: [12]string{"января", "февраля", "марта", "апреля", "мая", "июня", "июля",
			"августа", "сентября", "октября", "ноября", "декабря"},
	}
}

// longDate is "вторник, 8 декабря 2026 г." or "Tuesday, 8 December 2026".
func (lc locale) longDate(t time.Time) string {
	s := fmt.Sprintf("%s, %d %s %d", lc.weekdays[t.Weekday()], t.Day(), lc.months[t.Month()-1], t.Year())
	if lc.lang == LangRussian {
		s += " г."
	}
	return s
}

// shortDate is "вт, 8 декабря" or "Tue, 8 December".
func (lc locale) shortDate(t time.Time) string {
	return fmt.Sprintf("%s, %d %s", lc.weekdaysShort[t.Weekday()], t.Day(), lc.months[t.Month()-1])
}

// dayMonth is "8 декабря" or "8 December".
func (lc locale) dayMonth(t time.Time) string {
	return fmt.Sprintf("%d %s", t.Day(), lc.months[t.Month()-1])
}

// dateRange is "7–11 декабря 2026", "30 ноября – 4 декабря 2026" or, across
// a new year, both dates in full.
func (lc locale) dateRange(from, to time.Time) string {
	year := func(t time.Time) string {
		if lc.lang == LangRussian {
			return fmt.Sprintf("%d г.", t.Year())
		}
		return fmt.Sprint(t.Year())
	}
	switch {
	case from.Year() != to.Year():
		return fmt.Sprintf("%s %s – %s %s", lc.dayMonth(from), year(from), lc.dayMonth(to), year(to))
	case from.Month() != to.Month():
		return fmt.Sprintf("%s – %s %s", lc.dayMonth(from), lc.dayMonth(to), year(to))
	case from.Day() != to.Day():
		return fmt.Sprintf("%d–%s %s", from.Day(), lc.dayMonth(to), year(to))
	default:
		return fmt.Sprintf("%s %s", lc.dayMonth(to), year(to))
	}
}

// timeRange is "10:00–11:30" on a 24-hour clock, which both languages' readers
// in the service's region expect.
func timeRange(from, to time.Time) string {
	return from.Format("15:04") + "–" + to.Format("15:04")
}

// kind names a visit kind for people; an unknown kind is shown as stored.
func (lc locale) kind(k Kind) string {
	ru := map[Kind]string{
		KindOnsiteSupport: "поддержка на месте",
		KindMicroTraining: "микро-обучение",
		KindDifficultCase: "разбор сложного случая",
		KindFollowUp:      "повторный визит",
	}
	en := map[Kind]string{
		KindOnsiteSupport: "on-site support",
		KindMicroTraining: "micro-training",
		KindDifficultCase: "difficult case",
		KindFollowUp:      "follow-up visit",
	}
	words := ru
	if lc.lang == LangEnglish {
		words = en
	}
	if s, ok := words[k]; ok {
		return s
	}
	return string(k)
}

// count renders n with the noun form its number needs: Russian has three
// (1 визит, 3 визита, 5 визитов), English two.
func (lc locale) count(n int, ruOne, ruFew, ruMany, enOne, enMany string) string {
	if lc.lang == LangEnglish {
		if n == 1 {
			return fmt.Sprintf("%d %s", n, enOne)
		}
		return fmt.Sprintf("%d %s", n, enMany)
	}
	return fmt.Sprintf("%d %s", n, russianPlural(n, ruOne, ruFew, ruMany))
}

func russianPlural(n int, one, few, many string) string {
	if n < 0 {
		n = -n
	}
	switch mod10, mod100 := n%10, n%100; {
	case mod10 == 1 && mod100 != 11:
		return one
	case mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14):
		return few
	default:
		return many
	}
}

func (lc locale) administrators(n int) string {
	return lc.count(n, "администратор", "администратора", "администраторов", "administrator", "administrators")
}

func (lc locale) visits(n int) string {
	return lc.count(n, "визит", "визита", "визитов", "visit", "visits")
}
