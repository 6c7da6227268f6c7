package keyrouter

import (
	"context"
	"sync"
	"time"
)

// SharedState holds per-project usage and cooldowns that several replicas
// share, so that N replicas do not spend one quota N times. It speaks only
// standard types, so that a Redis or SQL implementation needs nothing from
// this package. Implementations must be safe for concurrent use.
//
// Requests per minute and per day are shared; tokens per minute are
// counted by each router on its own, so N replicas may together spend up
// to N times a project's TPM (the server's 429s, which every replica
// honours through Cool, then correct them).
//
// The router keeps its own in-process counts either way and asks the shared
// state only once its local view allows a call; a refusal corrects the
// local view. An error from the shared state is not fatal: the router then
// goes by its local counts.
type SharedState interface {
	// Take counts one request of project+model at now if project+model is
	// not cooling down, fewer than perMinute requests were counted in the
	// minute before now, and fewer than perDay in the day that ends at
	// dayEnd (a limit of 0 is no limit). It reports whether it counted the
	// request and, if not, when one may fit (zero = unknown). Take is atomic:
	// two concurrent Takes never both get the last unit of a quota.
	Take(ctx context.Context, project, model string, now time.Time, perMinute, perDay int,
		dayEnd time.Time) (ok bool, freeAt time.Time, err error)
	// Cool keeps project+model out of use until until. A cooldown never
	// shortens a longer one.
	Cool(ctx context.Context, project, model string, until time.Time) error
}

// MemoryState is the in-process SharedState, for routers of one process and
// as the reference for other implementations. Its zero value is ready to
// use; it is safe for concurrent use.
type MemoryState struct {
	mu sync.Mutex
	pm map[[2]string]*memUsage
}

type memUsage struct {
	times     []time.Time // requests in the last minute, oldest first
	dayEnd    time.Time
	day       int
	coolUntil time.Time
}

var _ SharedState = (*MemoryState)(nil)

func (m *MemoryState) usage(project, model string) *memUsage {
	if m.pm == nil {
		m.pm = map[[2]string]*memUsage{}
	}
	u := m.pm[[2]string{project, model}]
	if u == nil {
		u = &memUsage{}
		m.pm[[2]string{project, model}] = u
	}
	return u
}

// Take implements SharedState.
func (m *MemoryState) Take(ctx context.Context, project, model string, now time.Time, perMinute, perDay int,
	dayEnd time.Time) (bool, time.Time, error) {
	if err := ctx.Err(); err != nil {
		return false, time.Time{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.usage(project, model)
	if u.coolUntil.After(now) {
		return false, u.coolUntil, nil
	}
	i := 0
	for i < len(u.times) && !u.times[i].After(now.Add(-time.Minute)) {
		i++
	}
	u.times = u.times[i:]
	if !u.dayEnd.Equal(dayEnd) {
		u.dayEnd, u.day = dayEnd, 0
	}
	if perDay > 0 && u.day >= perDay {
		return false, dayEnd, nil
	}
	if perMinute > 0 && len(u.times) >= perMinute {
		return false, u.times[len(u.times)-perMinute].Add(time.Minute), nil
	}
	u.day++
	u.times = append(u.times, now)
	return true, time.Time{}, nil
}

// Cool implements SharedState.
func (m *MemoryState) Cool(ctx context.Context, project, model string, until time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if u := m.usage(project, model); until.After(u.coolUntil) {
		u.coolUntil = until
	}
	return nil
}
