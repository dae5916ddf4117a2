package booking

import "errors"

// ErrPermanent marks a report the backend rejected for good (for example an
// HTTP 4xx other than 408 and 429: the appointment is unknown there, the
// request is malformed). Retrying cannot help, so the outbox logs and drops
// such a report instead of letting it block every report behind it.
var ErrPermanent = errors.New("permanent rejection")

// Permanent wraps err so that errors.Is(err, ErrPermanent) holds while the
// cause stays reachable with errors.Is and errors.As. Adapters use it for
// rejections that no retry can change. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }

func (e *permanentError) Unwrap() error { return e.err }

func (e *permanentError) Is(target error) bool { return target == ErrPermanent }
