package office

import (
	"context"
	"time"

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
}

// SetDeliveryWait replaces how long the committer waits for the screens'
// writers before a call's derived rows; call it before Run.
func SetDeliveryWait(l *Loop, d time.Duration) { l.deliveryWait = d }
