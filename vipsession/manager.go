package vipsession

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// Options configure a Manager. The zero value gives the default tiers, no
// owners or admins, day boundaries in UTC and the wall clock.
type Options struct {
	// Tiers are the tiers on offer; nil means DefaultTiers(). See
	// tierfile.Load (package vipsession/tierfile) to read them from a file.
	Tiers []Tier
	// Owners and Admins are user IDs with a role. Owners get OwnerTier and
	// are never refused for capacity; admins get AdminTier.
	Owners []int64
	Admins []int64
	// OwnerTier is the owners' tier; "" means "owner".
	OwnerTier string
	// AdminTier is the admins' tier; "" means "vip".
	AdminTier string
	// PrivateTier is the tier of users without a grant who have talked to
	// the bot in a private chat; "" means "free".
	PrivateTier string
	// GuestTier is the tier of everyone else; "" means "guest".
	GuestTier string
	// Location sets the day and month boundaries of quotas; nil means UTC.
	Location *time.Location
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// EstimateTokens estimates the tokens of a text; nil means the
	// package's EstimateTokens.
	EstimateTokens func(text string) int64
	// ReplyTokens is reserved for the reply when Begin is not told the
	// turn's estimated cost; zero means 1024.
	ReplyTokens int64
	// TurnTimeout is how long a begun turn holds its concurrency slot (and
	// protects its capacity slot) without Commit or Abort, so the slot of a
	// crashed process frees itself; zero means 10 minutes.
	TurnTimeout time.Duration
	// ParallelStoreCalls issues the independent store calls of a turn (the
	// quota counters, the writes of Commit) at once instead of one after
	// another. It shortens a turn against a store whose writes each wait
	// for a commit (SQLite with full sync, a network store) when few turns
	// run at once; when many do, serial calls already fill the store's
	// group commits and cost less CPU, and an in-memory store is always
	// faster serial. False, the default, calls serially.
	ParallelStoreCalls bool
	// KeyPrefix starts every store key the manager writes; "" means
	// "vipsession:".
	KeyPrefix string
}

// Role is what configuration says about a user.
type Role int

// Roles of users.
const (
	RoleUser Role = iota
	RoleAdmin
	RoleOwner
)

// String returns "owner", "admin" or "user".
func (r Role) String() string {
	switch r {
	case RoleOwner:
		return "owner"
	case RoleAdmin:
		return "admin"
	}
	return "user"
}

// Source says why a user is in their tier.
type Source int

// Sources of a user's tier, in order of precedence.
const (
	SourceGuest   Source = iota // nothing else applies
	SourcePrivate               // the user has talked to the bot in private
	SourceGrant                 // an active grant
	SourceAdmin                 // Options.Admins
	SourceOwner                 // Options.Owners
)

// String returns the source in lower case: "guest", "private", "grant",
// "admin" or "owner".
func (s Source) String() string {
	names := [...]string{"guest", "private", "grant", "admin", "owner"}
	if s < 0 || int(s) >= len(names) {
		return "Source(" + strconv.Itoa(int(s)) + ")"
	}
	return names[s]
}

// Identity is who sent a message and where. Roles and tiers depend on
// the user ID alone, never on the username, which anyone can change;
// Username and LanguageCode are carried for the bot's own use.
type Identity struct {
	UserID       int64
	ChatID       int64 // equals UserID in a private chat
	ThreadID     int   // forum topic; 0 for none
	Private      bool  // the message came in a private chat
	Username     string
	LanguageCode string
}

// conversationKey keeps one memory per user per chat and topic.
func (id Identity) conversationKey() string {
	return store.ConversationKey(id.ChatID, id.UserID, id.ThreadID)
}

// Manager resolves tiers, enforces quotas and keeps conversation memory,
// persisting everything through a store.Store so that replicas sharing
// the store agree. It is safe for concurrent use.
type Manager struct {
	st       store.Store
	ts       atomic.Pointer[tierSet] // replaced whole by SetTiers
	owners   map[int64]bool
	admins   map[int64]bool
	ownerT   string
	adminT   string
	privateT string
	guestT   string
	loc      *time.Location
	now      func() time.Time
	estimate func(string) int64
	reply    int64
	turnTTL  time.Duration
	prefix   string
	parallel bool

	instance string        // random, names this manager's lease owners
	seq      atomic.Uint64 // numbers lease owners

	privMu sync.Mutex
	priv   map[int64]struct{} // users known to have talked in private
}

const privateCacheSize = 1 << 16

// New returns a Manager that persists in st. It checks the tiers and
// options and returns an error naming the first problem.
func New(st store.Store, opts Options) (*Manager, error) {
	if st == nil {
		return nil, &ConfigError{Field: "store", Err: fmt.Errorf("nil")}
	}
	tiers := opts.Tiers
	if tiers == nil {
		tiers = DefaultTiers()
	}
	m := &Manager{
		st:       st,
		owners:   idSet(opts.Owners),
		admins:   idSet(opts.Admins),
		ownerT:   or(opts.OwnerTier, TierOwner),
		adminT:   or(opts.AdminTier, TierVIP),
		privateT: or(opts.PrivateTier, TierFree),
		guestT:   or(opts.GuestTier, TierGuest),
		loc:      opts.Location,
		now:      opts.Now,
		estimate: opts.EstimateTokens,
		reply:    opts.ReplyTokens,
		turnTTL:  opts.TurnTimeout,
		prefix:   or(opts.KeyPrefix, "vipsession:"),
		parallel: opts.ParallelStoreCalls,
		priv:     make(map[int64]struct{}),
	}
	ts, err := m.checkTierSet(tiers)
	if err != nil {
		return nil, err
	}
	m.ts.Store(ts)
	if m.loc == nil {
		m.loc = time.UTC
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.estimate == nil {
		m.estimate = EstimateTokens
	}
	if m.reply < 0 {
		return nil, &ConfigError{Field: "reply_tokens", Err: fmt.Errorf("%d is negative", m.reply)}
	}
	if m.reply == 0 {
		m.reply = 1024
	}
	if m.turnTTL < 0 {
		return nil, &ConfigError{Field: "turn_timeout", Err: fmt.Errorf("%v is negative", m.turnTTL)}
	}
	if m.turnTTL == 0 {
		m.turnTTL = 10 * time.Minute
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	m.instance = hex.EncodeToString(b[:])
	return m, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func idSet(ids []int64) map[int64]bool {
	s := make(map[int64]bool, len(ids))
	for _, id := range ids {
		s[id] = true
	}
	return s
}

// tierSet is the tiers on offer, replaced whole by SetTiers.
type tierSet struct {
	byName map[string]*Tier
	order  []string
}

// checkTierSet checks tiers as New does: each tier, and that the owner,
// admin, private and guest tiers are among them.
func (m *Manager) checkTierSet(tiers []Tier) (*tierSet, error) {
	byName, err := checkTiers(tiers)
	if err != nil {
		return nil, err
	}
	ts := &tierSet{byName: byName}
	for _, t := range tiers {
		ts.order = append(ts.order, t.Name)
	}
	for _, f := range []struct{ field, name string }{
		{"owner_tier", m.ownerT}, {"admin_tier", m.adminT}, {"private_tier", m.privateT}, {"guest_tier", m.guestT},
	} {
		if _, ok := byName[f.name]; !ok {
			return nil, &ConfigError{Field: f.field, Err: fmt.Errorf("%w %q", ErrUnknownTier, f.name)}
		}
	}
	return ts, nil
}

// SetTiers replaces the tiers on offer without a restart, checked as New
// checks Options.Tiers (nil means DefaultTiers()); on error nothing
// changes. Turns begun from then on use the new tiers; sessions already
// begun finish under the tier they began with. Grants of a tier no longer
// offered are ignored, as in New; quotas already used, memory and the
// capacity lists of tiers that stay are kept.
func (m *Manager) SetTiers(tiers []Tier) error {
	if tiers == nil {
		tiers = DefaultTiers()
	}
	ts, err := m.checkTierSet(tiers)
	if err != nil {
		return err
	}
	m.ts.Store(ts)
	return nil
}

// Tiers returns copies of the configured tiers, in configuration order.
func (m *Manager) Tiers() []Tier {
	ts := m.ts.Load()
	out := make([]Tier, 0, len(ts.order))
	for _, name := range ts.order {
		out = append(out, ts.byName[name].clone())
	}
	return out
}

// Tier returns a copy of the named tier, or an error wrapping
// ErrUnknownTier.
func (m *Manager) Tier(name string) (Tier, error) {
	t, ok := m.ts.Load().byName[name]
	if !ok {
		return Tier{}, fmt.Errorf("%w %q", ErrUnknownTier, name)
	}
	return t.clone(), nil
}

// RoleOf returns the configured role of a user.
func (m *Manager) RoleOf(userID int64) Role {
	switch {
	case m.owners[userID]:
		return RoleOwner
	case m.admins[userID]:
		return RoleAdmin
	}
	return RoleUser
}

// resolved is a user's tier and why.
type resolved struct {
	tier   *Tier
	source Source
	grant  *store.Subscription // the active grant, if any
}

// resolve finds the tier of id at now: owner, admin, active grant, private
// default, guest, in that order. A grant of a tier that is no longer
// configured is ignored.
func (m *Manager) resolve(ctx context.Context, id Identity, now time.Time) (resolved, error) {
	var r resolved
	tiers := m.ts.Load().byName
	sub, err := m.st.GetSubscription(ctx, id.UserID)
	switch {
	case err == nil:
		if _, ok := tiers[sub.Tier]; ok && sub.ActiveAt(now) {
			r.grant = &sub
		}
	case !isNotFound(err):
		return r, fmt.Errorf("vipsession: read grant: %w", err)
	}
	switch {
	case m.owners[id.UserID]:
		r.tier, r.source = tiers[m.ownerT], SourceOwner
	case m.admins[id.UserID]:
		r.tier, r.source = tiers[m.adminT], SourceAdmin
	case r.grant != nil:
		r.tier, r.source = tiers[r.grant.Tier], SourceGrant
	default:
		private, err := m.talkedInPrivate(ctx, id, now)
		if err != nil {
			return r, err
		}
		if private {
			r.tier, r.source = tiers[m.privateT], SourcePrivate
		} else {
			r.tier, r.source = tiers[m.guestT], SourceGuest
		}
	}
	return r, nil
}

// talkedInPrivate reports whether the user has ever talked to the bot in a
// private chat, recording it when id is a private chat. The mark is
// permanent, so positive answers are cached.
func (m *Manager) talkedInPrivate(ctx context.Context, id Identity, now time.Time) (bool, error) {
	m.privMu.Lock()
	_, known := m.priv[id.UserID]
	m.privMu.Unlock()
	if known {
		return true, nil
	}
	key := m.prefix + "private:" + strconv.FormatInt(id.UserID, 10)
	_, err := m.st.GetValue(ctx, key, now)
	switch {
	case err == nil:
	case !isNotFound(err):
		return false, fmt.Errorf("vipsession: read private mark: %w", err)
	case !id.Private:
		return false, nil
	default:
		if err := m.st.SetValue(ctx, key, []byte{1}, 0, now); err != nil {
			return false, fmt.Errorf("vipsession: write private mark: %w", err)
		}
	}
	m.privMu.Lock()
	if len(m.priv) >= privateCacheSize {
		clear(m.priv)
	}
	m.priv[id.UserID] = struct{}{}
	m.privMu.Unlock()
	return true, nil
}

// owner returns a fresh lease owner name.
func (m *Manager) owner() string {
	return m.instance + "-" + strconv.FormatUint(m.seq.Add(1), 36)
}

// Reset clears the conversation memory of id.
func (m *Manager) Reset(ctx context.Context, id Identity) error {
	if id.UserID == 0 {
		return fmt.Errorf("%w: zero user ID", ErrInvalid)
	}
	if err := m.st.ClearConversation(ctx, id.conversationKey()); err != nil {
		return fmt.Errorf("vipsession: reset: %w", err)
	}
	return nil
}
