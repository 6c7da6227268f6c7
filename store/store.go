package store

import (
	"cmp"
	"context"
	"io"
	"time"
)

// Store combines every contract of the package. Implementations are safe for
// concurrent use by multiple goroutines; after Close every method returns an
// error wrapping ErrClosed.
type Store interface {
	Conversations
	Subscriptions
	Counters
	Locks
	Users
	Usage
	KV
	io.Closer
}

// Backuper is implemented by stores that can write a consistent copy of
// themselves while in use.
type Backuper interface {
	// Backup writes a consistent snapshot of the store to path, which must
	// not exist yet. The store stays usable during the backup.
	Backup(ctx context.Context, path string) error
}

// Pinger is implemented by stores that can check that their server answers,
// for readiness probes.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Role says who spoke a conversation turn.
type Role string

// Roles of a conversation turn, named as Gemini names them.
const (
	RoleUser  Role = "user"
	RoleModel Role = "model"
)

// Valid reports whether r is one of the defined roles.
func (r Role) Valid() bool { return r == RoleUser || r == RoleModel }

// Media describes an attachment of a turn. The bytes themselves are not
// stored; FileID lets the bot fetch them again if it needs to.
type Media struct {
	Kind     string `json:"kind"` // "photo", "document", ...
	MIMEType string `json:"mime_type,omitempty"`
	FileID   string `json:"file_id,omitempty"`
	Size     int64  `json:"size,omitempty"`
}

// Turn is one message of a conversation.
type Turn struct {
	Role   Role
	Text   string
	Tokens int64 // token count of Text, as estimated or reported; >= 0
	Time   time.Time
	Media  []Media // optional
}

// Conversations stores the turns of conversations, addressed by a key built
// with ConversationKey.
type Conversations interface {
	// AppendTurns appends turns to the conversation key, in the order given.
	// The turns of one call are stored together: concurrent calls never
	// interleave their turns, and every appended turn is kept. An empty key,
	// no turns, a turn with an invalid role or negative tokens give ErrInvalid
	// and nothing is stored.
	AppendTurns(ctx context.Context, key string, turns ...Turn) error
	// RecentTurns returns at most limit of the most recent turns of key,
	// oldest first. A conversation with no turns gives an empty slice and a
	// nil error. limit must be positive.
	RecentTurns(ctx context.Context, key string, limit int) ([]Turn, error)
	// ClearConversation removes every turn of key. Clearing an empty
	// conversation is not an error.
	ClearConversation(ctx context.Context, key string) error
}

// Subscription is a user's grant of a tier for a period.
type Subscription struct {
	UserID    int64
	Tier      string
	Starts    time.Time
	Expires   time.Time // zero means the grant never expires
	GrantedBy int64     // the user ID of whoever made the grant; 0 for the system
	Note      string
	UpdatedAt time.Time
}

// ActiveAt reports whether the subscription is in force at t.
func (s Subscription) ActiveAt(t time.Time) bool {
	return !t.Before(s.Starts) && (s.Expires.IsZero() || t.Before(s.Expires))
}

// SubscriptionFilter selects subscriptions in ListSubscriptions. Zero fields
// select everything.
type SubscriptionFilter struct {
	// ActiveAt, when set, keeps only subscriptions active at that time.
	ActiveAt time.Time
	// ExpiringBefore, when set, keeps only subscriptions with a non-zero
	// expiry before that time.
	ExpiringBefore time.Time
}

// Subscriptions stores tier grants, at most one per user.
type Subscriptions interface {
	// GetSubscription returns the user's subscription, or ErrNotFound.
	GetSubscription(ctx context.Context, userID int64) (Subscription, error)
	// PutSubscription creates or replaces the user's subscription.
	// A zero UserID, an empty Tier, or Expires before Starts give ErrInvalid.
	PutSubscription(ctx context.Context, s Subscription) error
	// DeleteSubscription removes the user's subscription, or returns ErrNotFound.
	DeleteSubscription(ctx context.Context, userID int64) error
	// ListSubscriptions returns the subscriptions matching f, ordered by user ID.
	ListSubscriptions(ctx context.Context, f SubscriptionFilter) ([]Subscription, error)
}

// Counters are fixed-window counters: a counter lives until the expiry given
// when it was first created, after which it counts from zero again. Callers
// name the window in the key (for example "quota:day:2026-11-25:user:42") and
// pass the window's end as the expiry. Counter values never go below zero.
type Counters interface {
	// TakeCounter adds n to the counter key if used+n <= limit, atomically:
	// concurrent takes, from any number of processes sharing the store, never
	// take more than limit in total. It returns whether n was taken and the
	// counter's value afterwards. A missing or expired counter starts at zero
	// and expires at expires. An empty key, n < 0, limit < 0 or expires not
	// after now give ErrInvalid.
	TakeCounter(ctx context.Context, key string, n, limit int64, now, expires time.Time) (used int64, ok bool, err error)
	// AddCounter adds delta (which may be negative, to refund) to the counter
	// unconditionally, clamping at zero, and returns the new value. A missing
	// or expired counter starts at zero and expires at expires.
	AddCounter(ctx context.Context, key string, delta int64, now, expires time.Time) (used int64, err error)
	// ReadCounter returns the counter's value at now: zero when it is missing
	// or expired.
	ReadCounter(ctx context.Context, key string, now time.Time) (int64, error)
}

// Locks are leases with an owner and a TTL, and first-seen marks.
type Locks interface {
	// AcquireLease takes the lease name for owner until now+ttl, if it is
	// free, expired, or already held by owner (which renews it). It reports
	// whether owner holds the lease afterwards. Atomic across processes
	// sharing the store. Empty names or owners and ttl <= 0 give ErrInvalid.
	AcquireLease(ctx context.Context, name, owner string, ttl time.Duration, now time.Time) (bool, error)
	// RenewLease extends a lease held by owner to now+ttl. If the lease is
	// held by someone else, has expired or does not exist, it returns ErrNotOwner.
	RenewLease(ctx context.Context, name, owner string, ttl time.Duration, now time.Time) error
	// ReleaseLease frees a lease held by owner. If the lease is held by
	// someone else it returns ErrNotOwner and leaves it alone; releasing a
	// lease that no longer exists or has expired is not an error.
	ReleaseLease(ctx context.Context, name, owner string, now time.Time) error
	// MarkSeen records key as seen until now+ttl and reports whether this
	// call was the first to see it (or the first since the previous mark
	// expired). Atomic across processes sharing the store: of concurrent
	// calls with the same key, exactly one gets true.
	MarkSeen(ctx context.Context, key string, ttl time.Duration, now time.Time) (first bool, err error)
}

// User is a Telegram user the bot has seen.
type User struct {
	ID           int64
	Username     string
	FirstName    string
	LastName     string
	LanguageCode string
	FirstSeen    time.Time
	LastSeen     time.Time
	Blocked      bool // the user blocked the bot
}

// UserFilter selects users in ListUsers, a page at a time.
type UserFilter struct {
	AfterID        int64 // only users with ID > AfterID
	Limit          int   // at most this many; must be positive
	ExcludeBlocked bool
}

// Users is the registry of users seen by the bot.
type Users interface {
	// TouchUser records that u was seen at u.LastSeen: it creates the user
	// with FirstSeen = u.LastSeen, or updates names, language and LastSeen
	// of an existing one, keeping FirstSeen and Blocked. It returns the
	// stored user. A zero ID gives ErrInvalid.
	TouchUser(ctx context.Context, u User) (User, error)
	// GetUser returns the user, or ErrNotFound.
	GetUser(ctx context.Context, id int64) (User, error)
	// SetUserBlocked records whether the user blocked the bot, or returns
	// ErrNotFound for an unknown user.
	SetUserBlocked(ctx context.Context, id int64, blocked bool) error
	// ListUsers returns users ordered by ID.
	ListUsers(ctx context.Context, f UserFilter) ([]User, error)
}

// UsageRecord is one model call, for quotas, statistics and billing.
type UsageRecord struct {
	UserID       int64
	ChatID       int64
	Model        string
	KeyID        string // the key's non-secret ID
	PromptTokens int64
	OutputTokens int64
	Latency      time.Duration
	Outcome      string // "ok", or an error class such as "quota", "blocked"
	Time         time.Time
}

// UsageTotals sums usage records.
type UsageTotals struct {
	Requests     int64
	Errors       int64 // records whose Outcome is not "ok"
	PromptTokens int64
	OutputTokens int64
	Latency      time.Duration // sum; divide by Requests for the mean
}

// Add adds the record r to t.
func (t *UsageTotals) Add(r UsageRecord) {
	t.Requests++
	if r.Outcome != OutcomeOK {
		t.Errors++
	}
	t.PromptTokens += r.PromptTokens
	t.OutputTokens += r.OutputTokens
	t.Latency += r.Latency
}

// Merge adds the totals o to t.
func (t *UsageTotals) Merge(o UsageTotals) {
	t.Requests += o.Requests
	t.Errors += o.Errors
	t.PromptTokens += o.PromptTokens
	t.OutputTokens += o.OutputTokens
	t.Latency += o.Latency
}

// OutcomeOK is the Outcome of a successful call.
const OutcomeOK = "ok"

// UsageBucket is the usage of one user, model and key on one UTC day.
type UsageBucket struct {
	UserID int64
	Model  string
	KeyID  string
	Day    time.Time // midnight UTC of the records' day
	UsageTotals
}

// CompareBuckets orders usage buckets as SummarizeUsage returns them: by
// day, user, model and key.
func CompareBuckets(a, b UsageBucket) int {
	if c := a.Day.Compare(b.Day); c != 0 {
		return c
	}
	if c := cmp.Compare(a.UserID, b.UserID); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Model, b.Model); c != 0 {
		return c
	}
	return cmp.Compare(a.KeyID, b.KeyID)
}

// Usage records model calls and summarises them.
type Usage interface {
	// AppendUsage stores a record. A record with a zero Time or negative
	// token counts gives ErrInvalid.
	AppendUsage(ctx context.Context, r UsageRecord) error
	// SummarizeUsage returns the records with from <= Time < to, summed per
	// user, model, key and UTC day, ordered by day, user, model and key.
	SummarizeUsage(ctx context.Context, from, to time.Time) ([]UsageBucket, error)
}

// KV stores small values (per-user settings, the polling offset).
type KV interface {
	// GetValue returns the value of key, or ErrNotFound when it is missing
	// or has expired at now.
	GetValue(ctx context.Context, key string, now time.Time) ([]byte, error)
	// SetValue stores value under key. ttl 0 keeps it until deleted; a
	// positive ttl expires it at now+ttl; a negative ttl or an empty key
	// give ErrInvalid.
	SetValue(ctx context.Context, key string, value []byte, ttl time.Duration, now time.Time) error
	// DeleteValue removes key; deleting a missing key is not an error.
	DeleteValue(ctx context.Context, key string) error
}
