package gemini

import (
	"context"
	"iter"

	"google.golang.org/genai"

	"github.com/web3-ai-game/svs-telegram-bot/keyrouter"
)

// Stream is an answer arriving in pieces. Read it like a bufio.Scanner:
//
//	s := client.Stream(ctx, req)
//	defer s.Close()
//	for s.Next() {
//		fmt.Print(s.Text())
//	}
//	if err := s.Err(); err != nil { ... }
//	res := s.Result()
//
// The call starts at the first Next. Until text reaches the caller, a
// failure moves to another key or model (as Generate does); after that, an
// error ends the stream: Err returns a *CallError that unwraps to
// ErrInterrupted and Result holds the partial text. The key stays leased
// until the stream ends and is released with the outcome and the tokens used.
// A Stream is for one goroutine; call Close if you stop before Next
// returns false (it does nothing after).
type Stream struct {
	c   *Client
	ctx context.Context
	req *Request

	opened bool
	done   bool
	a      *attempt
	next   func() (*genai.GenerateContentResponse, error, bool)
	stop   func()
	ans    answer
	first  string // text pulled while opening, delivered by the first Next
	text   string
	res    Result
	err    error
}

// Stream starts streaming req. It does not block: the call begins at the
// first Next.
func (c *Client) Stream(ctx context.Context, req *Request) *Stream {
	return &Stream{c: c, ctx: ctx, req: req}
}

// Next waits for the next piece of text and reports whether there is one.
// When it returns false the stream has ended: see Err and Result.
func (s *Stream) Next() bool {
	if s.done {
		return false
	}
	if !s.opened {
		s.opened = true
		if !s.open() {
			return false
		}
		if s.first != "" {
			s.text, s.first = s.first, ""
			return true
		}
	}
	for {
		resp, err, ok := s.next()
		if !ok {
			s.finish(nil)
			return false
		}
		if err != nil {
			s.finish(err)
			return false
		}
		if delta := s.ans.add(resp); delta != "" {
			s.text = delta
			return true
		}
	}
}

// Text is the piece of text the last successful Next received.
func (s *Stream) Text() string { return s.text }

// Err is the error that ended the stream, nil for a complete answer. Like
// Generate's, it is a *BlockedError, ErrEmpty, a *NoKeyError, a
// *CallError (ErrBadRequest, ErrUnavailable, ErrInterrupted) or the
// context's error.
func (s *Stream) Err() error { return s.err }

// Result is the answer so far; complete once Next has returned false:
// finish reason, truncation, usage, model and key.
func (s *Stream) Result() Result {
	r := s.res
	r.Text = s.ans.text.String()
	return r
}

// Close ends the stream early, releasing its key with no penalty. It is
// safe to call more than once and after the stream ended.
func (s *Stream) Close() error {
	if s.done {
		return nil
	}
	if !s.opened {
		s.opened, s.done = true, true
		s.err = context.Canceled
		return nil
	}
	s.finish(context.Canceled)
	return nil
}

// open finds a key and model whose stream starts: it pulls until the first
// text, the end of the stream, or an error, failing over on errors.
func (s *Stream) open() bool {
	if err := s.req.validate(); err != nil {
		s.done, s.err = true, err
		return false
	}
	contents, cfg := s.req.contents(), s.req.config()
	a, err := s.c.open(s.ctx, s.req, s.req.estimate(), func(ctx context.Context, a *attempt) error {
		seq := a.client.Models.GenerateContentStream(ctx, a.model, contents, cfg)
		next, stop := iter.Pull2(seq)
		s.ans = answer{} // a new attempt starts afresh
		for {
			resp, err, ok := next()
			if err != nil {
				stop()
				return err
			}
			if !ok {
				break // ended without text: blocked or empty, an answer all the same
			}
			if delta := s.ans.add(resp); delta != "" {
				s.first = delta
				break
			}
		}
		s.next, s.stop = next, stop
		return nil
	})
	if err != nil {
		s.done, s.err = true, err
		return false
	}
	s.a = a
	s.res = Result{Model: a.model, KeyID: a.keyID, Attempts: a.n}
	if s.first == "" {
		s.finish(nil)
		return false
	}
	return true
}

// finish ends the stream: stops the pull, releases the lease with the
// outcome of err and the tokens used, and sets Err and Result.
func (s *Stream) finish(err error) {
	s.done = true
	s.text = ""
	s.stop()
	s.err = endStream(s.ctx, s.a, s.req, &s.ans, &s.res, err)
}

// endStream fills res from ans, releases a's lease with the outcome of err
// (the error that ended the stream after text reached the caller, nil for a
// clean end, context.Canceled when the caller stopped) and the tokens used,
// and returns the stream's error.
func endStream(ctx context.Context, a *attempt, req *Request, ans *answer, res *Result, err error) error {
	answerErr := ans.result(res)
	tokens := res.Usage.Total
	if tokens == 0 {
		tokens = req.estimate() - req.MaxOutputTokens + EstimateTokens(res.Text)
	}
	if err == nil {
		a.lease.Release(keyrouter.Outcome{Verdict: keyrouter.Success, Tokens: tokens})
		return answerErr
	}
	if err == context.Canceled && ctx.Err() == nil {
		// Stopped by the caller: the key did nothing wrong.
		a.lease.Release(keyrouter.Outcome{Verdict: keyrouter.Canceled, Tokens: tokens, Err: err})
		return err
	}
	o := a.release(ctx, err, tokens)
	res.FinishReason = ""
	return a.callError(o, true)
}
