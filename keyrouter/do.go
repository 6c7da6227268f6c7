package keyrouter

import (
	"context"
	"errors"
)

// Do acquires a key, runs fn, classifies fn's error, releases, and retries on a key not yet tried.
//
// fn returns the tokens the call used (0 = the estimate) and its error.
// Options.Classifier turns the error into a verdict: Success returns nil;
// BadRequest and Canceled return fn's error at once; the other verdicts try
// another key, up to Options.MaxAttempts keys, while ctx allows. When no
// untried key is left, Do returns fn's last error joined with the
// *NoKeyError, so that errors.Is works for both.
func (r *Router) Do(ctx context.Context, req Request, fn func(ctx context.Context, l *Lease) (tokens int, err error)) error {
	var (
		tried   []*keyState
		lastErr error
	)
	for attempt := 0; attempt < r.opts.MaxAttempts; attempt++ {
		l := &Lease{tried: tried}
		if err := r.acquire(ctx, &req, l); err != nil {
			if lastErr != nil {
				return errors.Join(lastErr, err)
			}
			return err
		}
		tried = append(tried, l.ks)
		tokens, err := call(ctx, l, fn)
		o := Outcome{Verdict: Success, Tokens: tokens}
		if err != nil {
			o = r.opts.Classifier(err)
			if o.Err == nil {
				o.Err = err
			}
			if o.Tokens == 0 {
				o.Tokens = tokens
			}
			if ctx.Err() != nil && o.Verdict == Transient {
				o.Verdict = Canceled // the caller gave up; the key is not to blame
			}
		}
		l.Release(o)
		if o.Verdict == Success {
			return nil
		}
		lastErr = err
		if !o.Verdict.Retryable() || ctx.Err() != nil {
			return err
		}
	}
	return lastErr
}

// call runs fn, releasing the lease as Transient if fn panics, so that a
// recovered panic further up does not leave the key's slot taken for good.
func call(ctx context.Context, l *Lease, fn func(ctx context.Context, l *Lease) (int, error)) (tokens int, err error) {
	done := false
	defer func() {
		if !done {
			l.Release(Outcome{Verdict: Transient, Err: errors.New("keyrouter: call panicked")})
		}
	}()
	tokens, err = fn(ctx, l)
	done = true
	return tokens, err
}
