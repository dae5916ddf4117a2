package office

import (
	"context"

	"lotse/hub/store"
)

// SetPurge replaces the loop's purge of past days; call it before Run.
func SetPurge(l *Loop, purge func(ctx context.Context, office, today string) (int64, error)) {
	l.purgeFn = purge
}

// SetFinishPurge replaces how the loop finishes a purge that readers held
// up; call it before Run.
func SetFinishPurge(l *Loop, finish func(ctx context.Context) error) {
	l.finishFn = finish
}

// SetCommit replaces how the loop's committer makes a batch durable; call
// it before Run.
func SetCommit(l *Loop, commit func(ctx context.Context, office string, b store.Batch) error) {
	l.commitFn = commit
	l.beginFn = nil
}
