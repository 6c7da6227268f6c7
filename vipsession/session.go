package vipsession

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// ResetReason says why a turn starts with fresh memory.
type ResetReason int

// Reasons for fresh memory. NoReset is the zero value.
const (
	NoReset         ResetReason = iota
	ResetRoundLimit             // the conversation reached the tier's MemoryRounds
	ResetIdle                   // the conversation was idle past the tier's IdleExpiry
	ResetEvicted                // the tier was full and this user's session was ended
)

// String returns "none", "round limit", "idle" or "evicted".
func (r ResetReason) String() string {
	names := [...]string{"none", "round limit", "idle", "evicted"}
	if r < 0 || int(r) >= len(names) {
		return fmt.Sprintf("ResetReason(%d)", int(r))
	}
	return names[r]
}

// BeginOptions describe the turn being begun. The zero value is valid.
type BeginOptions struct {
	// EstimatedTokens is the expected cost of the turn (prompt, history and
	// reply), reserved from the token quotas. Zero means an estimate of
	// Text plus the history plus Options.ReplyTokens.
	EstimatedTokens int64
	// Text is the user's message, used for the estimate.
	Text string
}

// Result is what a successful reply produced, for Session.Commit.
type Result struct {
	UserText  string
	UserMedia []store.Media
	ModelText string
	// PromptTokens and OutputTokens are the model's counts. When both are
	// zero the reservation is charged as it stands.
	PromptTokens int64
	OutputTokens int64
	Model        string
	KeyID        string // the key's non-secret ID
	Latency      time.Duration
}

// Session is one turn in progress: what the tier allows and the memory to
// send to the model. It must end with exactly one Commit or Abort; until
// then it holds one of the user's reply slots and a quota reservation.
// Its methods are safe for concurrent use; only the first Commit or Abort
// takes effect.
type Session struct {
	Identity Identity
	Role     Role
	// Tier is a copy of the user's tier; Source says why it applies.
	Tier   Tier
	Source Source
	// Models and KeyGroups are the tier's model chain and key groups.
	Models    []string
	KeyGroups []string
	// History is the memory that fits the tier's budget: whole rounds,
	// oldest first, beginning with a user turn.
	History       []store.Turn
	HistoryTokens int64
	// MemoryReset is not NoReset when this turn starts fresh memory; the
	// bot can tell the user why.
	MemoryReset ResetReason
	// ReservedTokens were taken from the token quotas by Begin.
	ReservedTokens int64
	// Started is when Begin ran.
	Started time.Time

	m          *Manager
	key        string
	charges    []charge
	slot       string
	owner      string
	capTier    *Tier
	clearFirst bool
	done       atomic.Bool
}

// Begin starts a turn for id: it resolves the tier, counts the turn against
// the per-minute rate, takes one of the user's reply slots, loads the
// memory that fits the tier and reserves one request and the estimated
// tokens from the day and month quotas, each atomically in the store.
// Refusals are a *RateLimitError, *BusyError, *QuotaError or
// *CapacityError; a refused turn holds nothing (the per-minute count
// stays, as it counts attempts).
func (m *Manager) Begin(ctx context.Context, id Identity, opts BeginOptions) (*Session, error) {
	if id.UserID == 0 {
		return nil, fmt.Errorf("%w: zero user ID", ErrInvalid)
	}
	if opts.EstimatedTokens < 0 {
		return nil, fmt.Errorf("%w: negative token estimate", ErrInvalid)
	}
	now := m.now()
	r, err := m.resolve(ctx, id, now)
	if err != nil {
		return nil, err
	}
	t := r.tier
	s := &Session{
		Identity: id,
		Role:     m.RoleOf(id.UserID),
		Tier:     t.clone(),
		Source:   r.source,
		Started:  now,
		m:        m,
		key:      id.conversationKey(),
		owner:    m.owner(),
	}
	s.Models, s.KeyGroups = s.Tier.Models, s.Tier.KeyGroups
	ok := false
	defer func() {
		if !ok {
			bg := context.WithoutCancel(ctx)
			_ = m.refund(bg, s.charges, now)
			_ = m.releaseSlot(bg, s.slot, s.owner, now)
		}
	}()
	errs := m.together(
		func() error { return m.limitRate(ctx, t, id.UserID, now) },
		func() (err error) { s.slot, err = m.acquireSlot(ctx, t, id.UserID, s.owner, now); return err },
		func() error { return s.loadMemory(ctx, now) },
	)
	if err := firstError(errs); err != nil {
		return nil, err
	}
	s.ReservedTokens = opts.EstimatedTokens
	if s.ReservedTokens == 0 {
		s.ReservedTokens = m.estimate(opts.Text) + s.HistoryTokens + m.reply
	}
	if s.charges, err = m.reserve(ctx, t, id.UserID, s.ReservedTokens, now); err != nil {
		return nil, err
	}
	if t.Capacity != Unlimited && r.source != SourceOwner {
		evicted, err := m.join(ctx, t, id.UserID, s.key, now)
		if err != nil {
			return nil, err
		}
		s.capTier = t
		if evicted && s.MemoryReset == NoReset && len(s.History) == 0 {
			s.MemoryReset = ResetEvicted
		}
	}
	ok = true
	return s, nil
}

// loadMemory reads the conversation and decides what the model sees.
// Memory is cleared by Commit, not here, so an aborted turn changes
// nothing.
func (s *Session) loadMemory(ctx context.Context, now time.Time) error {
	t := &s.Tier
	if t.MemoryRounds == 0 {
		return nil
	}
	turns, err := s.m.st.RecentTurns(ctx, s.key, 2*t.MemoryRounds)
	if err != nil {
		return fmt.Errorf("vipsession: load memory: %w", err)
	}
	if len(turns) == 0 {
		return nil
	}
	last := turns[len(turns)-1].Time
	switch {
	case !last.IsZero() && now.Sub(last) >= t.IdleExpiry:
		s.MemoryReset = ResetIdle
	case len(rounds(turns)) >= t.MemoryRounds:
		s.MemoryReset = ResetRoundLimit
	default:
		s.History, s.HistoryTokens = trimHistory(turns, t.MemoryRounds, t.MemoryTokens, s.m.estimate)
		return nil
	}
	s.clearFirst = true
	return nil
}

// Commit stores the user's turn and the model's reply (for tiers with
// memory), records the usage, and turns the reservation into the actual
// token use, charging or refunding the difference. It runs even if ctx is
// already cancelled, since the reply was delivered. Storage errors are
// returned joined; the session is finished either way.
func (s *Session) Commit(ctx context.Context, r Result) error {
	if r.PromptTokens < 0 || r.OutputTokens < 0 || r.Latency < 0 {
		return fmt.Errorf("%w: negative tokens or latency", ErrInvalid)
	}
	if !s.done.CompareAndSwap(false, true) {
		return ErrFinished
	}
	m := s.m
	ctx = context.WithoutCancel(ctx)
	now := m.now()
	actual := r.PromptTokens + r.OutputTokens
	if actual == 0 {
		actual = s.ReservedTokens
	}
	errs := m.together(
		func() error { return s.remember(ctx, r, now) },
		func() error {
			err := m.st.AppendUsage(ctx, store.UsageRecord{
				UserID: s.Identity.UserID, ChatID: s.Identity.ChatID,
				Model: r.Model, KeyID: r.KeyID,
				PromptTokens: r.PromptTokens, OutputTokens: r.OutputTokens,
				Latency: r.Latency, Outcome: store.OutcomeOK, Time: now,
			})
			if err != nil {
				return fmt.Errorf("vipsession: record usage: %w", err)
			}
			return nil
		},
		func() error { return m.settleTokens(ctx, s.charges, actual-s.ReservedTokens, now) },
		func() error { return s.release(ctx, now) },
	)
	return errors.Join(errs...)
}

// remember stores the turn's two turns, after clearing the memory when this
// turn starts it afresh. Single-turn tiers store nothing.
func (s *Session) remember(ctx context.Context, r Result, now time.Time) error {
	m := s.m
	if s.Tier.MemoryRounds == 0 {
		return nil
	}
	if s.clearFirst {
		if err := m.st.ClearConversation(ctx, s.key); err != nil {
			return fmt.Errorf("vipsession: reset memory: %w", err)
		}
	}
	modelTokens := r.OutputTokens
	if modelTokens == 0 {
		modelTokens = m.estimate(r.ModelText)
	}
	err := m.st.AppendTurns(ctx, s.key,
		store.Turn{Role: store.RoleUser, Text: store.CleanText(r.UserText), Tokens: m.estimate(r.UserText), Time: s.Started, Media: r.UserMedia},
		store.Turn{Role: store.RoleModel, Text: store.CleanText(r.ModelText), Tokens: modelTokens, Time: now},
	)
	if err != nil {
		return fmt.Errorf("vipsession: store turns: %w", err)
	}
	return nil
}

// Abort ends a turn whose reply failed or was cancelled: it refunds the
// reservation and stores nothing, so the failure costs the user nothing
// but its count in the per-minute rate. It runs even if ctx is already
// cancelled.
func (s *Session) Abort(ctx context.Context) error {
	if !s.done.CompareAndSwap(false, true) {
		return ErrFinished
	}
	ctx = context.WithoutCancel(ctx)
	now := s.m.now()
	return errors.Join(s.m.together(
		func() error { return s.m.refund(ctx, s.charges, now) },
		func() error { return s.release(ctx, now) },
	)...)
}

// release frees the reply slot and marks the capacity slot idle.
func (s *Session) release(ctx context.Context, now time.Time) error {
	err := s.m.releaseSlot(ctx, s.slot, s.owner, now)
	if s.capTier != nil {
		err = errors.Join(err, s.m.leave(ctx, s.capTier, s.Identity.UserID, now))
	}
	return err
}
