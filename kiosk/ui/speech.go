package ui

// Speech: the "Vorlesen" button and the USB number keypad read the screen
// aloud, so that a person who cannot see checks in by birth date with the
// keypad alone (EN 301 549 §5.1.3 asks closed terminals for speech output).
//
// Keypad (NumLock on): digits and the decimal key type the date; Enter
// continues (and on the idle screen starts the birth-date entry); Backspace
// deletes a digit; the help keys (default "+" and "*") read the screen and
// the keys aloud; the back key (default "-") goes back. On the choice and
// walk-in screens a digit picks the choice read out with that number.

import (
	"strconv"
	"strings"

	"lotse/hardware/speech"
)

// Speaker says a text aloud; *speech.Reader implements it. Speak must
// return at once; a new text interrupts the one being said, and an empty
// text just stops it.
type Speaker interface {
	Speak(text, voice string)
}

// Default keypad keys of Options.
const (
	DefaultHelpKeys = "+*"
	DefaultBackKeys = "-"
)

// say speaks text in the visit's language, if the kiosk has a voice.
func (k *Kiosk) say(text string) {
	if k.opts.Speaker == nil || text == "" {
		return
	}
	k.opts.Speaker.Speak(text, speech.Voice(k.text.lang))
}

// readAloud is the "Vorlesen" button and the keypad's help key: it reads
// the screen and the keys, and keeps speaking each new screen for the rest
// of the visit.
func (k *Kiosk) readAloud() {
	k.activity()
	if !k.access.speech {
		k.access.speech = true
		k.render() // the button shows that speech is on
	}
	k.say(k.screenSpeech())
}

// speakScreen reads a new screen aloud when the visit asked for speech.
func (k *Kiosk) speakScreen(changed bool) {
	if !changed || !k.access.speech {
		return
	}
	k.say(k.screenSpeech())
	if k.screen == ScreenTicket || k.screen == ScreenMessage {
		// Listening to a ticket takes longer than reading it.
		k.armTimer(listenFactor * k.opts.ResultTimeout)
	}
}

// listenFactor is how much longer a result stays when it is read aloud.
const listenFactor = 3

// sayKey speaks a key of the birth date as it is typed.
func (k *Kiosk) sayKey(r rune) {
	if !k.access.speech {
		return
	}
	if r == birthSeparator {
		k.say(k.text.get("speech_separator"))
		return
	}
	k.say(k.spell(string(r)))
}

// sayIfSpeaking speaks text when the visit asked for speech.
func (k *Kiosk) sayIfSpeaking(text string) {
	if k.access.speech {
		k.say(text)
	}
}

// spell spells s character by character, digits as words of the
// language ("A042" → "A, null, vier, zwei"): a number read as a whole would
// be "zweiundvierzig", which is not what the board shows.
func (k *Kiosk) spell(s string) string {
	words := strings.Fields(k.text.get("speech_digits"))
	var out []string
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9' && len(words) == 10:
			out = append(out, words[r-'0'])
		case r == birthSeparator:
			out = append(out, k.text.get("speech_separator"))
		case r == ' ':
		default:
			out = append(out, string(r))
		}
	}
	return strings.Join(out, ", ")
}

// screenSpeech is what the current screen says aloud: its instruction, its
// choices with the key that picks each, its result or its error, and the
// keys that lead on.
func (k *Kiosk) screenSpeech() string {
	t := k.text.get
	var s []string
	switch k.screen {
	case ScreenLoading:
		s = append(s, t("loading"))
	case ScreenBusy:
		s = append(s, t("busy"))
	case ScreenOutOfOrder:
		s = append(s, t("out_of_order_title"), t("out_of_order_text"))
	case ScreenIdle:
		s = append(s, t("idle_scan"))
		var buttons []string
		if k.link.office != nil && k.link.office.BirthDateCheckIn {
			buttons = append(buttons, t("idle_birthdate"))
		}
		if k.walkInsOffered() {
			buttons = append(buttons, t("idle_walkin"))
		}
		if len(buttons) > 0 {
			s = append(s, t("speech_buttons", "buttons", strings.Join(buttons, ", ")))
		}
		if k.link.office != nil && k.link.office.BirthDateCheckIn {
			s = append(s, t("speech_keys_idle"))
		}
	case ScreenBirthDate:
		if p := k.visit.birth.problem; p != "" {
			s = append(s, t(p))
		} else {
			s = append(s, t("birth_title"))
		}
		s = append(s, k.typedSpeech(""), t("speech_keys_birth"))
	case ScreenChoice:
		s = append(s, t("choice_title"))
		for i, c := range k.visit.choices {
			if i == maxKeyChoices {
				break
			}
			s = append(s, t("speech_choice_key", "key", k.spell(strconv.Itoa(i+1)), "choice", choiceLabel(k, c)))
		}
		s = append(s, t("speech_back_key"))
	case ScreenWalkIn:
		if k.link.office == nil || len(k.link.office.Services) == 0 {
			s = append(s, t("walkin_closed"))
			break
		}
		s = append(s, t("walkin_title"))
		for i, sv := range k.link.office.Services {
			if i == maxKeyChoices {
				break
			}
			s = append(s, t("speech_choice_key", "key", k.spell(strconv.Itoa(i+1)), "choice", sv.LocalName(k.text.lang)))
		}
		s = append(s, t("speech_back_key"))
	case ScreenTicket:
		s = append(s, k.ticketSpeech()...)
	case ScreenMessage:
		s = append(s, k.visit.message, t("speech_ok_key"))
	case ScreenStaff:
		s = append(s, t("staff_title"))
	}
	return joinSentences(s)
}

// ticketSpeech reads the ticket: the number spelled out, then what the
// screen says about it.
func (k *Kiosk) ticketSpeech() []string {
	t := k.visit.ticket
	s := []string{k.text.get("result_number") + ": " + k.spell(t.Number) + "."}
	if lines := k.serviceLines(t.Services, k.text.lang); len(lines) > 0 {
		s = append(s, strings.Join(lines, ", "))
	}
	if t.AppointmentStart != nil {
		s = append(s, k.text.get("result_appointment", "time", k.formatTime(*t.AppointmentStart)))
	}
	s = append(s, k.text.get("result_wait"))
	if k.visit.printNote != "" {
		s = append(s, k.text.get(k.visit.printNote))
	}
	s = append(s, k.text.get("speech_number_again", "number", k.spell(t.Number)), k.text.get("speech_done_key"))
	return s
}

// joinSentences joins texts into one utterance, each ending in a stop so
// that espeak-ng pauses between them.
func joinSentences(s []string) string {
	var b strings.Builder
	for _, x := range s {
		x = strings.TrimSpace(x)
		if x == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(x)
		if !strings.ContainsAny(x[len(x)-1:], ".!?:…") {
			b.WriteByte('.')
		}
	}
	return b.String()
}

// typedSpeech is lead followed by the birth-date keys typed so far, if any.
func (k *Kiosk) typedSpeech(lead string) string {
	s := []string{lead}
	if d := k.visit.birth.digits; d != "" {
		s = append(s, k.text.get("speech_typed", "date", k.spell(d)))
	}
	return joinSentences(s)
}

// maxKeyChoices is how many choices a digit key can pick (1 to 9).
const maxKeyChoices = 9

// keypadKey handles a key of the USB number keypad that the screens do not
// take themselves; it reports whether it took r.
func (k *Kiosk) keypadKey(r rune) bool {
	switch {
	case strings.ContainsRune(k.opts.HelpKeys, r):
		k.readAloud()
		return true
	case strings.ContainsRune(k.opts.BackKeys, r):
		k.typed([]rune{0x1b})
		return true
	}
	digit := r >= '1' && r <= '9'
	switch k.screen {
	case ScreenIdle:
		if k.link.office == nil || !k.link.office.BirthDateCheckIn || !(r == '\n' || (r >= '0' && r <= '9')) {
			return false
		}
		// Typing on the keypad starts the birth-date entry; the person
		// typing may not see the screen, so speech starts too.
		k.access.speech = true
		k.visit.birth.reset()
		k.show(ScreenBirthDate)
		if r != '\n' {
			k.birthKey(r)
		}
		return true
	case ScreenChoice:
		if i := int(r - '1'); digit && i < len(k.visit.choices) {
			k.chooseAppointment(k.visit.choices[i])
			return true
		}
	case ScreenWalkIn:
		if k.link.office == nil {
			return false
		}
		if i := int(r - '1'); digit && i < len(k.link.office.Services) {
			k.walkIn(k.link.office.Services[i].ID)
			return true
		}
	}
	return false
}
