package office

import "context"

// SetPurge replaces the loop's purge of past days; call it before Run.
func SetPurge(l *Loop, purge func(ctx context.Context, office, today string) (int64, error)) {
	l.purgeFn = purge
}

// SetFinishPurge replaces how the loop finishes a purge that readers held
// up; call it before Run.
func SetFinishPurge(l *Loop, finish func(ctx context.Context) error) {
	l.finishFn = finish
}
