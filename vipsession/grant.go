package vipsession

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// Permanent is the duration of a grant that never expires.
const Permanent time.Duration = -1

// Audit actions.
const (
	ActionGrant  = "grant"
	ActionRevoke = "revoke"
)

// maxAudit is how many audit entries are kept per user.
const maxAudit = 100

// AuditEntry records one change to a user's grant: who made it, when and
// what it was. The entries of a user are kept in the store's KV, newest
// last, up to the last 100.
type AuditEntry struct {
	Time    time.Time `json:"time"`
	Action  string    `json:"action"` // ActionGrant or ActionRevoke
	UserID  int64     `json:"user_id"`
	Tier    string    `json:"tier"`
	Expires time.Time `json:"expires,omitzero"` // after the change; zero for permanent or revoked
	By      int64     `json:"by"`               // who made the change; 0 for the system
	Note    string    `json:"note,omitempty"`
}

// Grant gives userID the tier for d (or Permanent), recording grantedBy
// and note in the grant and in the audit log. A grant of the tier the user
// already holds is extended by d from its current expiry; a grant of
// another tier replaces it from now.
func (m *Manager) Grant(ctx context.Context, userID int64, tier string, d time.Duration, grantedBy int64, note string) (store.Subscription, error) {
	var sub store.Subscription
	switch {
	case userID == 0:
		return sub, fmt.Errorf("%w: zero user ID", ErrInvalid)
	case d <= 0 && d != Permanent:
		return sub, fmt.Errorf("%w: grant duration %v: must be positive or Permanent", ErrInvalid, d)
	}
	if _, ok := m.ts.Load().byName[tier]; !ok {
		return sub, fmt.Errorf("%w %q", ErrUnknownTier, tier)
	}
	err := m.withLock(ctx, m.grantLock(userID), func() error {
		now := m.now()
		old, err := m.st.GetSubscription(ctx, userID)
		if err != nil && !isNotFound(err) {
			return fmt.Errorf("vipsession: read grant: %w", err)
		}
		sub = store.Subscription{UserID: userID, Tier: tier, Starts: now, GrantedBy: grantedBy, Note: note, UpdatedAt: now}
		extend := err == nil && old.Tier == tier && old.ActiveAt(now)
		switch {
		case d == Permanent || extend && old.Expires.IsZero():
			// never expires
		case extend:
			sub.Starts, sub.Expires = old.Starts, old.Expires.Add(d)
		default:
			sub.Expires = now.Add(d)
		}
		if err := m.st.PutSubscription(ctx, sub); err != nil {
			return fmt.Errorf("vipsession: write grant: %w", err)
		}
		return m.audit(ctx, AuditEntry{Time: now, Action: ActionGrant, UserID: userID, Tier: tier, Expires: sub.Expires, By: grantedBy, Note: note})
	})
	return sub, err
}

// Revoke removes the user's grant, recording revokedBy and note in the
// audit log. A user without a grant gives an error wrapping ErrNoGrant.
func (m *Manager) Revoke(ctx context.Context, userID, revokedBy int64, note string) error {
	return m.withLock(ctx, m.grantLock(userID), func() error {
		now := m.now()
		old, err := m.st.GetSubscription(ctx, userID)
		if isNotFound(err) {
			return fmt.Errorf("%w for user %d", ErrNoGrant, userID)
		}
		if err != nil {
			return fmt.Errorf("vipsession: read grant: %w", err)
		}
		if err := m.st.DeleteSubscription(ctx, userID); err != nil && !isNotFound(err) {
			return fmt.Errorf("vipsession: delete grant: %w", err)
		}
		return m.audit(ctx, AuditEntry{Time: now, Action: ActionRevoke, UserID: userID, Tier: old.Tier, By: revokedBy, Note: note})
	})
}

// GrantFilter selects grants in Manager.Grants. The zero value selects the
// active grants.
type GrantFilter struct {
	// ExpiringWithin, when positive, keeps only active grants that expire
	// within this long from now.
	ExpiringWithin time.Duration
	// IncludeExpired also returns grants no longer in force.
	IncludeExpired bool
}

// Grants returns grants matching f, ordered by user ID.
func (m *Manager) Grants(ctx context.Context, f GrantFilter) ([]store.Subscription, error) {
	now := m.now()
	var sf store.SubscriptionFilter
	if !f.IncludeExpired {
		sf.ActiveAt = now
	}
	if f.ExpiringWithin > 0 {
		sf.ExpiringBefore = now.Add(f.ExpiringWithin)
	}
	subs, err := m.st.ListSubscriptions(ctx, sf)
	if err != nil {
		return nil, fmt.Errorf("vipsession: list grants: %w", err)
	}
	return subs, nil
}

// Audit returns the recorded grant changes of userID, oldest first.
func (m *Manager) Audit(ctx context.Context, userID int64) ([]AuditEntry, error) {
	raw, err := m.st.GetValue(ctx, m.auditKey(userID), m.now())
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("vipsession: read audit: %w", err)
	}
	var entries []AuditEntry
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, fmt.Errorf("vipsession: decode audit: %w", err)
	}
	return entries, nil
}

// audit appends e to the user's log; the caller holds the grant lock.
func (m *Manager) audit(ctx context.Context, e AuditEntry) error {
	entries, err := m.Audit(ctx, e.UserID)
	if err != nil {
		return err
	}
	entries = append(entries, e)
	if len(entries) > maxAudit {
		entries = entries[len(entries)-maxAudit:]
	}
	raw, err := json.Marshal(entries)
	if err == nil {
		err = m.st.SetValue(ctx, m.auditKey(e.UserID), raw, 0, e.Time)
	}
	if err != nil {
		return errors.Join(errors.New("vipsession: grant changed but its audit entry was not written"), err)
	}
	return nil
}

func (m *Manager) grantLock(userID int64) string {
	return m.prefix + "grant:" + strconv.FormatInt(userID, 10) + ":lock"
}

func (m *Manager) auditKey(userID int64) string {
	return m.prefix + "audit:" + strconv.FormatInt(userID, 10)
}
