// Package demo is the hub's embedded default booking backend: two offices
// with services and counters, and a generated, realistic day of appointments
// per office that is the same every time it is asked for (deterministic per
// office and date) and has appointments inside the check-in window at any
// hour, so that the system can be tried at any time of day.
//
// Nothing here is a real booking; the check-in secrets come from a key that
// is public in this source file.
package demo

import (
	"strconv"
	"time"
	// The offices run on Europe/Berlin time even on machines without a
	// zoneinfo database (minimal containers, Windows).
	_ "time/tzdata"

	"lotse/hub/queue"
)

// Service ids of the demo offices.
const (
	Anmeldung          = "anmeldung"
	Personalausweis    = "personalausweis"
	Reisepass          = "reisepass"
	Fuehrungszeugnis   = "fuehrungszeugnis"
	Meldebescheinigung = "meldebescheinigung"
	KfzUmmeldung       = "kfz-ummeldung"
)

// Office ids of the demo offices.
const (
	Mitte = "buergerbuero-mitte"
	Nord  = "buergerbuero-nord"
)

// idTags are the short tags that start the appointment ids of the demo
// offices ("M-20261121-042"); other offices use their id.
var idTags = map[string]string{Mitte: "M", Nord: "N"}

// Offices returns the demo offices: Bürgerbüro Mitte with eight counters and
// Bürgerbüro Nord with six, both on Europe/Berlin time with the default
// policy. Every call returns fresh values the caller may change.
func Offices() []queue.Office {
	loc := berlin()
	return []queue.Office{
		{
			ID:       Mitte,
			Name:     "Bürgerbüro Mitte",
			Services: services(),
			Counters: []queue.Counter{
				counter(1, Anmeldung, Meldebescheinigung, Fuehrungszeugnis),
				counter(2, Anmeldung, Meldebescheinigung, Fuehrungszeugnis),
				counter(3, Personalausweis, Reisepass),
				counter(4, Personalausweis, Reisepass),
				counter(5, Personalausweis, Reisepass, Anmeldung),
				counter(6, KfzUmmeldung),
				counter(7, KfzUmmeldung, Meldebescheinigung),
				// The all-rounder: takes whatever piles up.
				counter(8, Anmeldung, Personalausweis, Reisepass, Fuehrungszeugnis, Meldebescheinigung, KfzUmmeldung),
			},
			Policy:   queue.DefaultPolicy(),
			Location: loc,
		},
		{
			ID:       Nord,
			Name:     "Bürgerbüro Nord",
			Services: services(),
			Counters: []queue.Counter{
				counter(1, Anmeldung, Meldebescheinigung, Fuehrungszeugnis, KfzUmmeldung),
				counter(2, Anmeldung, Meldebescheinigung, Fuehrungszeugnis),
				counter(3, Personalausweis, Reisepass, Fuehrungszeugnis),
				counter(4, Personalausweis, Reisepass, Anmeldung),
				counter(5, KfzUmmeldung, Meldebescheinigung),
				counter(6, Anmeldung, Personalausweis, Reisepass, Fuehrungszeugnis, Meldebescheinigung, KfzUmmeldung),
			},
			Policy:   queue.DefaultPolicy(),
			Location: loc,
		},
	}
}

func services() []queue.Service {
	return []queue.Service{
		{ID: Anmeldung, Name: "Anmeldung einer Wohnung", Prefix: "A", Duration: 15 * time.Minute, Names: map[string]string{
			"en": "Registering an address", "tr": "İkamet adresi kaydı",
			"uk": "Реєстрація місця проживання", "ru": "Регистрация по месту жительства"}},
		{ID: Personalausweis, Name: "Personalausweis beantragen", Prefix: "P", Duration: 20 * time.Minute, Names: map[string]string{
			"en": "Applying for an ID card", "tr": "Kimlik kartı başvurusu",
			"uk": "Оформлення посвідчення особи", "ru": "Оформление удостоверения личности"}},
		{ID: Reisepass, Name: "Reisepass beantragen", Prefix: "R", Duration: 20 * time.Minute, Names: map[string]string{
			"en": "Applying for a passport", "tr": "Pasaport başvurusu",
			"uk": "Оформлення паспорта", "ru": "Оформление паспорта"}},
		{ID: Fuehrungszeugnis, Name: "Führungszeugnis beantragen", Prefix: "F", Duration: 5 * time.Minute, Names: map[string]string{
			"en": "Certificate of good conduct", "tr": "Adli sicil belgesi",
			"uk": "Довідка про несудимість", "ru": "Справка о несудимости"}},
		{ID: Meldebescheinigung, Name: "Meldebescheinigung", Prefix: "M", Duration: 5 * time.Minute, Names: map[string]string{
			"en": "Certificate of registration", "tr": "İkamet belgesi",
			"uk": "Довідка про реєстрацію", "ru": "Справка о регистрации"}},
		{ID: KfzUmmeldung, Name: "Kfz-Ummeldung", Prefix: "K", Duration: 15 * time.Minute, Names: map[string]string{
			"en": "Re-registering a vehicle", "tr": "Araç kaydı değişikliği",
			"uk": "Перереєстрація автомобіля", "ru": "Перерегистрация автомобиля"}},
	}
}

func counter(n int, services ...string) queue.Counter {
	return queue.Counter{ID: "schalter-" + strconv.Itoa(n), Name: "Schalter " + strconv.Itoa(n), Services: services}
}

// berlin returns the demo offices' time zone.
func berlin() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		// Cannot happen: time/tzdata is linked in.
		panic("demo: load Europe/Berlin: " + err.Error())
	}
	return loc
}
