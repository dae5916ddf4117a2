package demo

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"lotse/hub/booking"
	"lotse/hub/queue"
)

// secretKey derives the demo check-in secrets. It is public on purpose:
// demo secrets protect nothing.
var secretKey = []byte("lotse demo: public key for demo check-in secrets")

// The shape of a demo day. Office hours are busy; the rest of the clock
// still has one appointment every ten minutes, so that the check-in window
// (30 min before to 15 min after the start) always holds several, even just
// before midnight, when the next day's do not count yet.
const (
	officeOpens  = 8  // local hour
	officeCloses = 18 // local hour
	busyStep     = 5 * time.Minute
	quietStep    = 10 * time.Minute
	// parentEvery is how far apart the parents who booked twice are.
	parentEvery = 3 * time.Hour
)

// serviceWeights is how often each demo service is booked.
var serviceWeights = map[string]int{
	Anmeldung:          25,
	Personalausweis:    25,
	Reisepass:          15,
	Fuehrungszeugnis:   10,
	Meldebescheinigung: 10,
	KfzUmmeldung:       15,
}

// combinations are concerns booked together in one appointment.
var combinations = [][2]string{
	{Anmeldung, Meldebescheinigung},
	{Personalausweis, Reisepass},
	{Anmeldung, KfzUmmeldung},
	{Fuehrungszeugnis, Meldebescheinigung},
}

// familyServices are the concerns people book for two.
var familyServices = map[string]bool{Anmeldung: true, Personalausweis: true, Reisepass: true}

var firstNames = []string{
	"Jürgen", "Ayşe", "Olena", "Mehmet", "Anna", "Lukas", "Sophie", "Maximilian",
	"Emine", "Dragan", "Katarzyna", "Björn", "Hannelore", "Günter", "Fatma", "Thi Lan",
	"Ali", "Leonie", "Jörg", "Ömer", "Zeynep", "Irina", "Piotr", "Chiara",
	"Amira", "Yusuf", "Marie", "Kai", "Gökhan", "Dmytro", "Agnieszka", "Helga",
	"Ursula", "Karl-Heinz", "Svetlana", "Mohammed", "Aleksandra", "Tomasz", "Elif", "Kwame",
}

var lastNames = []string{
	"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
	"Schulz", "Hoffmann", "Yılmaz", "Kaya", "Demir", "Öztürk", "Kovalenko", "Nowak",
	"Kowalski", "Nguyen", "Popescu", "Rossi", "Schäfer", "Köhler", "Groß", "Weiß",
	"Krüger", "Petrović", "Al-Hassan", "Şahin", "Çelik", "Jankowski", "Bauer", "Zimmermann",
	"Lehmann", "Haddad", "Osei", "Mendes", "Dąbrowski", "Hähnel", "Tran", "Ivanenko",
}

// generate builds the office's demo day. The same office and day always
// give the same list: the random source is seeded from both.
func generate(office *queue.Office, day string) ([]booking.Appointment, error) {
	loc := office.Location
	if loc == nil {
		loc = time.UTC
	}
	midnight, err := time.ParseInLocation(queue.DayFormat, day, loc)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", queue.Errorf(queue.Invalid, "day %q is not YYYY-MM-DD", day))
	}
	bookable := bookableServices(office)
	if len(bookable) == 0 {
		return nil, nil
	}
	rng := seeded(office.ID, day)
	tag := idTags[office.ID]
	if tag == "" {
		tag = office.ID
	}
	compact := strings.ReplaceAll(day, "-", "")

	var list []booking.Appointment
	// Stepping through absolute time from local midnight to the next keeps
	// the 23- and 25-hour days of the DST switches right.
	end := midnight.AddDate(0, 0, 1)
	for t := midnight; t.Before(end); {
		hour := t.In(loc).Hour()
		busy := hour >= officeOpens && hour < officeCloses
		step, n := quietStep, 1
		if busy {
			step, n = busyStep, 1+extra(rng, len(office.Counters))
		}
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("%s-%s-%03d", tag, compact, len(list)+1)
			a := booking.Appointment{
				ID:        id,
				Start:     t,
				Services:  pickServices(rng, bookable),
				Secret:    secret(id),
				BirthDate: birthDate(rng, midnight),
				// Through the one sanitiser like every backend's names: the
				// demo page and the queue then show the same text.
				Name: booking.CleanText(firstNames[rng.IntN(len(firstNames))] + " " + lastNames[rng.IntN(len(lastNames))]),
				// Only extra bookings of a slot are cancelled, so that
				// every slot keeps one that can check in.
				Cancelled: i > 0 && rng.IntN(100) < 4,
			}
			a.Duration = duration(office, a.Services)
			list = append(list, a)
		}
		t = t.Add(step)
	}
	bookedTwice(rng, list, midnight, end)
	return list, nil
}

// seeded returns the random source of one office's day.
func seeded(office, day string) *rand.Rand {
	sum := sha256.Sum256([]byte(office + "\x00" + day))
	return rand.New(rand.NewPCG(binary.LittleEndian.Uint64(sum[:8]), binary.LittleEndian.Uint64(sum[8:16])))
}

// extra returns how many more appointments than one a busy slot gets: more
// counters, more bookings.
func extra(rng *rand.Rand, counters int) int {
	n := 0
	for range counters {
		if rng.IntN(16) == 0 {
			n++
		}
	}
	return n
}

// bookableServices returns the office's services some counter serves, in
// the office's order.
func bookableServices(office *queue.Office) []string {
	var out []string
	for _, s := range office.Services {
		for _, c := range office.Counters {
			if c.Serves(s.ID) {
				out = append(out, s.ID)
				break
			}
		}
	}
	return out
}

// pickServices draws the concerns of one appointment: mostly one, sometimes
// for two persons, sometimes two concerns at once.
func pickServices(rng *rand.Rand, bookable []string) []queue.ServiceCount {
	main := weighted(rng, bookable)
	roll := rng.IntN(100)
	switch {
	case roll < 10 && familyServices[main]:
		return []queue.ServiceCount{{Service: main, Count: 2}}
	case roll < 22:
		for _, c := range combinations {
			if c[0] == main && contains(bookable, c[1]) {
				return []queue.ServiceCount{{Service: main, Count: 1}, {Service: c[1], Count: 1}}
			}
		}
	}
	return []queue.ServiceCount{{Service: main, Count: 1}}
}

// weighted draws a service by its booking weight; services the demo does
// not know weigh as little as the rarest.
func weighted(rng *rand.Rand, services []string) string {
	weight := func(s string) int {
		if w, ok := serviceWeights[s]; ok {
			return w
		}
		return 10
	}
	total := 0
	for _, s := range services {
		total += weight(s)
	}
	r := rng.IntN(total)
	for _, s := range services {
		if r -= weight(s); r < 0 {
			return s
		}
	}
	return services[len(services)-1]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// duration is the typical time of the concerns for all their persons.
func duration(office *queue.Office, services []queue.ServiceCount) time.Duration {
	var d time.Duration
	for _, sc := range services {
		s, _ := office.Service(sc.Service)
		d += s.Duration * time.Duration(sc.Count)
	}
	return d
}

// birthDate draws the birth date of an adult aged 18 to 90 on day.
func birthDate(rng *rand.Rand, day time.Time) string {
	age := 18 + rng.IntN(73)
	ref := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	return ref.AddDate(-age, 0, -rng.IntN(365)).Format(queue.DayFormat)
}

// secret derives the check-in secret of an appointment id: random-looking,
// the same every time, and URL-safe so that it fits into QR codes and links.
func secret(id string) string {
	mac := hmac.New(sha256.New, secretKey)
	mac.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:18])
}

// bookedTwice lets a parent book a second appointment shortly after the
// first (same name, same birth date) every few hours, so that the kiosk's
// choice screen can be tried at any time of day.
func bookedTwice(rng *rand.Rand, list []booking.Appointment, from, end time.Time) {
	for anchor := from; anchor.Before(end); anchor = anchor.Add(parentEvery) {
		at := anchor.Add(time.Duration(rng.IntN(60)) * time.Minute)
		first := -1
		for i := range list {
			if !list[i].Cancelled && !list[i].Start.Before(at) {
				first = i
				break
			}
		}
		if first < 0 {
			continue
		}
		for j := first + 1; j < len(list); j++ {
			gap := list[j].Start.Sub(list[first].Start)
			if gap > 30*time.Minute {
				break
			}
			if gap > 0 && !list[j].Cancelled {
				list[j].Name, list[j].BirthDate = list[first].Name, list[first].BirthDate
				break
			}
		}
	}
}
