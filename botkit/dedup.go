package botkit

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// DedupOptions configures a Dedup. The zero value gives the defaults.
type DedupOptions struct {
	// Prefix starts every key. Bots sharing a store need distinct prefixes,
	// as update IDs are per bot. Zero means "botkit:update:".
	Prefix string
	// ClaimTTL bounds how long an update being handled stays claimed if its
	// process dies; the claim is renewed every ClaimTTL/3 of wall-clock
	// time while the update is handled. Zero means 30 seconds.
	ClaimTTL time.Duration
	// SeenTTL is how long a handled update ID stays marked. Telegram keeps
	// unconfirmed updates for 24 hours. Zero means 25 hours.
	SeenTTL time.Duration
	// Clock gives the time passed to the store. Nil means SystemClock.
	Clock Clock
	// Timeout bounds each store call. Zero means 5 seconds.
	Timeout time.Duration
}

// Dedup answers each update ID once across restarts, crashes and replicas
// sharing a store.Locks, with two records per update:
//
//   - a claim, the lease Prefix+ID held by the attempt handling the update
//     (an owner unique to the attempt), for ClaimTTL and renewed every
//     ClaimTTL/3 while the handler runs;
//   - a done mark, the lease Prefix+ID+":done" held by the owner "handled"
//     for SeenTTL, written when the handler has run, before the claim is
//     freed.
//
// On receipt an update is claimed, then its done mark is looked up (with
// RenewLease, which never creates a lease): a done update is dropped
// (OutcomeDuplicate, its offset may be confirmed); an update claimed by
// another live attempt is neither handled nor confirmed, and the Dispatcher
// tries it again after RetryDelay, until that attempt has finished (the
// retry finds the done mark) or has died (its claim expires within
// ClaimTTL and the retry handles it). A process that dies mid-update thus
// loses its claims to expiry, and the redelivered update is answered once.
// An update cancelled by Shutdown has its claim freed at once, so that its
// redelivery runs.
//
// A store failure lets the update through (an update answered twice is
// better than one never answered) and is logged.
//
// Dedup is safe for concurrent use.
type Dedup struct {
	locks store.Locks
	opts  DedupOptions
	owner string
	seq   atomic.Uint64
}

// doneOwner owns the done marks of handled updates.
const doneOwner = "handled"

// NewDedup returns a Dedup over locks.
func NewDedup(locks store.Locks, opts DedupOptions) *Dedup {
	if opts.Prefix == "" {
		opts.Prefix = "botkit:update:"
	}
	if opts.ClaimTTL <= 0 {
		opts.ClaimTTL = 30 * time.Second
	}
	if opts.SeenTTL <= 0 {
		opts.SeenTTL = 25 * time.Hour
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	opts.Clock = clockOr(opts.Clock)
	return &Dedup{locks: locks, opts: opts, owner: newReplicaID()}
}

// verdict is what claim found.
type verdict int

const (
	claimFree verdict = iota // handle it here
	claimDone                // handled before: drop it
	claimBusy                // another live attempt holds it: try again later
)

type claim struct {
	name, owner string
	held        bool
	stop        func() // stops the renewals
}

// claim takes the update ID for this attempt and, if it is free, starts
// renewing the claim until finish or release.
func (d *Dedup) claim(ctx context.Context, id int64, log *slog.Logger) (*claim, verdict) {
	c := &claim{
		name:  d.opts.Prefix + strconv.FormatInt(id, 10),
		owner: d.owner + "/" + strconv.FormatUint(d.seq.Add(1), 10),
	}
	ctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	ok, err := d.locks.AcquireLease(ctx, c.name, c.owner, d.opts.ClaimTTL, d.opts.Clock.Now())
	if err != nil {
		log.Warn("botkit: de-duplication store failed; handling the update anyway", "update_id", id, "err", err)
		return c, claimFree
	}
	if !ok {
		return c, claimBusy
	}
	c.held = true
	// The claim is ours: a done mark now means an earlier attempt finished
	// (it writes the mark before freeing its claim).
	err = d.locks.RenewLease(ctx, c.name+":done", doneOwner, d.opts.SeenTTL, d.opts.Clock.Now())
	switch {
	case err == nil:
		d.free(c, log)
		return c, claimDone
	case !errors.Is(err, store.ErrNotOwner):
		log.Warn("botkit: de-duplication store failed; handling the update anyway", "update_id", id, "err", err)
	}
	c.stop = keepLease(d.locks, c.name, c.owner, d.opts.ClaimTTL, d.opts.Timeout, d.opts.Clock, renewTimer, log)
	return c, claimFree
}

// finish writes the done mark of a handled update and frees its claim.
func (d *Dedup) finish(c *claim, log *slog.Logger) {
	if d == nil || c == nil || !c.held {
		return
	}
	c.stop()
	ctx, cancel := context.WithTimeout(context.Background(), d.opts.Timeout)
	defer cancel()
	if _, err := d.locks.AcquireLease(ctx, c.name+":done", doneOwner, d.opts.SeenTTL, d.opts.Clock.Now()); err != nil {
		log.Warn("botkit: could not mark update handled", "key", c.name, "err", err)
	}
	d.free(c, log)
}

// release frees the claim of an update that was not handled.
func (d *Dedup) release(c *claim, log *slog.Logger) {
	if d == nil || c == nil || !c.held {
		return
	}
	c.stop()
	d.free(c, log)
}

func (d *Dedup) free(c *claim, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), d.opts.Timeout)
	defer cancel()
	if err := d.locks.ReleaseLease(ctx, c.name, c.owner, d.opts.Clock.Now()); err != nil {
		log.Warn("botkit: could not release update claim", "key", c.name, "err", err)
	}
}
