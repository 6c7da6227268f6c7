package botkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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
	// process dies. Zero means 10 minutes.
	ClaimTTL time.Duration
	// SeenTTL is how long a handled update ID stays marked. Telegram keeps
	// unconfirmed updates for 24 hours. Zero means 25 hours.
	SeenTTL time.Duration
	// Clock gives the time passed to the store. Nil means SystemClock.
	Clock Clock
	// Timeout bounds each store call. Zero means 5 seconds.
	Timeout time.Duration
}

// Dedup drops redelivered update IDs with first-seen marks kept in
// store.Locks, so that an update is answered once across restarts and across
// replicas sharing the store.
//
// A mark must not outlive an update that was not handled: Shutdown cancels
// updates whose offsets stay unconfirmed, and their redelivery must run. The
// Locks contract has no way to clear a MarkSeen mark, so the mark is a lease
// instead: the update is claimed with AcquireLease under an owner unique to
// this attempt (ClaimTTL); once handled, the lease is extended to SeenTTL and
// stays as the mark; if cancelled, it is released and the redelivery claims
// it afresh. A store failure lets the update through (an update answered
// twice is better than one never answered) and is logged.
//
// A process that dies without Shutdown leaves the claims of its running
// updates until ClaimTTL passes; a redelivery inside that window is dropped
// as a duplicate.
//
// Dedup is safe for concurrent use.
type Dedup struct {
	locks store.Locks
	opts  DedupOptions
	owner string
	seq   atomic.Uint64
}

// NewDedup returns a Dedup over locks.
func NewDedup(locks store.Locks, opts DedupOptions) *Dedup {
	if opts.Prefix == "" {
		opts.Prefix = "botkit:update:"
	}
	if opts.ClaimTTL <= 0 {
		opts.ClaimTTL = 10 * time.Minute
	}
	if opts.SeenTTL <= 0 {
		opts.SeenTTL = 25 * time.Hour
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	opts.Clock = clockOr(opts.Clock)
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &Dedup{locks: locks, opts: opts, owner: hex.EncodeToString(b[:])}
}

type claim struct {
	name, owner string
	held        bool
}

// claim takes the update ID; first is false when someone else holds it or
// has handled it.
func (d *Dedup) claim(ctx context.Context, id int64, log *slog.Logger) (c *claim, first bool) {
	c = &claim{
		name:  d.opts.Prefix + strconv.FormatInt(id, 10),
		owner: d.owner + "/" + strconv.FormatUint(d.seq.Add(1), 10),
	}
	ctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	ok, err := d.locks.AcquireLease(ctx, c.name, c.owner, d.opts.ClaimTTL, d.opts.Clock.Now())
	if err != nil {
		log.Warn("botkit: de-duplication store failed; handling the update anyway", "update_id", id, "err", err)
		return c, true
	}
	c.held = ok
	return c, ok
}

// finish turns the claim into the long-lived mark of a handled update.
func (d *Dedup) finish(c *claim, log *slog.Logger) {
	if d == nil || c == nil || !c.held {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), d.opts.Timeout)
	defer cancel()
	if err := d.locks.RenewLease(ctx, c.name, c.owner, d.opts.SeenTTL, d.opts.Clock.Now()); err != nil {
		log.Warn("botkit: could not mark update handled", "key", c.name, "err", err)
	}
}

// release frees the claim of an update that was not handled.
func (d *Dedup) release(c *claim, log *slog.Logger) {
	if d == nil || c == nil || !c.held {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), d.opts.Timeout)
	defer cancel()
	if err := d.locks.ReleaseLease(ctx, c.name, c.owner, d.opts.Clock.Now()); err != nil {
		log.Warn("botkit: could not release update claim", "key", c.name, "err", err)
	}
}
