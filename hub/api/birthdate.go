package api

// MaxBirthAge is the hub's plausibility limit for a birth date at check-in:
// a date more than this many years before today (or after it) is answered
// with CodeInvalid. A client that checks typed dates itself (the kiosk)
// uses the same number, so that it never accepts what the hub refuses nor
// refuses what the hub accepts. The hub's rule is queue.ParseBirthDate.
const MaxBirthAge = 130
