package geminitest

import "time"

// Quota caps the use of one model by one project (or one key). A zero field
// is unlimited. Windows: RPM and TPM slide over the last minute, RPD counts
// the Pacific-time day, as Google's quotas do.
type Quota struct {
	RPM int // requests per minute
	TPM int // input tokens per minute
	RPD int // requests per day
}

type stamp struct {
	at     time.Time
	tokens int
}

// window is the usage of one scope (project+model or key+model).
type window struct {
	recent []stamp // the last minute's admitted requests, oldest first
	day    time.Time
	perDay int
}

// refusal is a quota a request would exceed.
type refusal struct {
	window QuotaWindow
	tokens bool
	limit  int
	retry  time.Duration
}

var pacific = func() *time.Location {
	if loc, err := time.LoadLocation("America/Los_Angeles"); err == nil {
		return loc
	}
	return time.FixedZone("PST", -8*3600)
}()

func dayStart(t time.Time) time.Time {
	t = t.In(pacific)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, pacific)
}

// check reports the first quota of q that one more request of tokens would
// exceed at now, or nil.
func (w *window) check(q Quota, now time.Time, tokens int) *refusal {
	w.expire(now)
	if q.RPD > 0 && w.perDay >= q.RPD {
		reset := dayStart(now).AddDate(0, 0, 1)
		return &refusal{window: PerDay, limit: q.RPD, retry: reset.Sub(now)}
	}
	if q.RPM > 0 && len(w.recent) >= q.RPM {
		return &refusal{window: PerMinute, limit: q.RPM, retry: w.recent[len(w.recent)-q.RPM].at.Add(time.Minute).Sub(now)}
	}
	if q.TPM > 0 {
		used := 0
		for _, s := range w.recent {
			used += s.tokens
		}
		if used+tokens > q.TPM {
			// Wait until enough of the window has expired to make room.
			retry, freed := time.Duration(0), 0
			for _, s := range w.recent {
				freed += s.tokens
				retry = s.at.Add(time.Minute).Sub(now)
				if used-freed+tokens <= q.TPM {
					break
				}
			}
			if retry <= 0 {
				retry = time.Minute
			}
			return &refusal{window: PerMinute, tokens: true, limit: q.TPM, retry: retry}
		}
	}
	return nil
}

func (w *window) admit(now time.Time, tokens int) {
	w.expire(now)
	w.recent = append(w.recent, stamp{at: now, tokens: tokens})
	w.perDay++
}

func (w *window) expire(now time.Time) {
	if d := dayStart(now); !d.Equal(w.day) {
		w.day, w.perDay = d, 0
	}
	i := 0
	for i < len(w.recent) && !w.recent[i].at.Add(time.Minute).After(now) {
		i++
	}
	w.recent = w.recent[i:]
}
