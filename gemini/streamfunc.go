package gemini

import (
	"context"
)

// StreamFunc streams req like Stream, handing each piece of text to fn as
// it arrives, and returns when the stream ends. It ranges over the SDK's
// stream directly, without the coroutine that Stream's pull style needs, so
// it costs a little less per chunk. Failover, errors and the Result are as
// for Stream: the Result is non-nil whenever a model answered, also with an
// error. If fn returns an error, the stream stops, its key is released
// without penalty, and StreamFunc returns fn's error as is.
func (c *Client) StreamFunc(ctx context.Context, req *Request, fn func(text string) error) (*Result, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	contents, cfg := req.contents(), req.config()
	ans := new(answer)
	var endErr, fnErr error
	a, err := c.open(ctx, req, req.estimate(), func(ctx context.Context, a *attempt) error {
		*ans = answer{} // a new attempt starts afresh
		delivered := false
		for resp, err := range a.client.Models.GenerateContentStream(ctx, a.model, contents, cfg) {
			if err != nil {
				if !delivered {
					return err
				}
				endErr = err
				break
			}
			if delta := ans.add(resp); delta != "" {
				delivered = true
				if fnErr = fn(delta); fnErr != nil {
					endErr = context.Canceled
					break
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	res := &Result{Model: a.model, KeyID: a.keyID, Attempts: a.n}
	err = endStream(ctx, a, req, ans, res, endErr)
	if fnErr != nil {
		return res, fnErr
	}
	return res, err
}
