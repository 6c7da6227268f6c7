package vipsession

import "sync"

// together runs the independent store calls fns and returns their errors
// in order. With Options.ParallelStoreCalls it runs them at once: against
// a store that commits writes in groups (such as SQLite with group commit)
// or over a network, calls issued together share one commit or round trip
// instead of waiting for one each.
func (m *Manager) together(fns ...func() error) []error {
	errs := make([]error, len(fns))
	if !m.parallel || len(fns) == 1 {
		for i, fn := range fns {
			errs[i] = fn()
		}
		return errs
	}
	if len(fns) == 0 {
		return errs
	}
	var wg sync.WaitGroup
	for i, fn := range fns[1:] {
		wg.Go(func() { errs[i+1] = fn() })
	}
	errs[0] = fns[0]()
	wg.Wait()
	return errs
}
