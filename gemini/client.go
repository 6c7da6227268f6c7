package gemini

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"google.golang.org/genai"

	"github.com/web3-ai-game/svs-telegram-bot/keyrouter"
)

// Options configure a Client; the zero value means the defaults.
type Options struct {
	// Models is the default model chain; nil = DefaultModels.
	Models []string
	// BaseURL of the API; "" = Google's (https://generativelanguage.googleapis.com/).
	// Tests point it at a geminitest.Server.
	BaseURL string
	// APIVersion; "" = "v1beta".
	APIVersion string
	// HTTPClient carries every call of every key; nil = a client of the
	// Client's own, with a transport that keeps up to 256 idle connections
	// per host. Its Timeout, if any, bounds whole streams: prefer contexts.
	HTTPClient *http.Client
	// MaxAttempts is how many keys are tried per model; 0 = 3.
	MaxAttempts int
}

// Client calls Gemini through keys leased from a keyrouter.Router, failing
// over to other keys and then to the next model of the chain. It keeps one
// genai.Client per key, made on first use and remade when the key's secret
// changes, all sharing one http.Client, so keys rotate without a restart.
// It is safe for concurrent use; the zero value is not usable, call New.
type Client struct {
	router *keyrouter.Router
	opts   Options
	http   *http.Client

	mu      sync.Mutex
	clients map[string]*keyClient // by key ID
}

type keyClient struct {
	secret keyrouter.Secret
	client *genai.Client
}

// New returns a Client that leases its keys from router.
func New(router *keyrouter.Router, opts Options) (*Client, error) {
	if router == nil {
		return nil, errors.New("gemini: New: nil router")
	}
	if len(opts.Models) == 0 {
		opts.Models = DefaultModels
	}
	if opts.APIVersion == "" {
		opts.APIVersion = "v1beta"
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 3
	}
	hc := opts.HTTPClient
	if hc == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns, t.MaxIdleConnsPerHost = 1024, 256
		t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
		hc = &http.Client{Transport: t}
	}
	return &Client{router: router, opts: opts, http: hc, clients: map[string]*keyClient{}}, nil
}

// Close drops the per-key clients and the idle connections of the
// Client's own transport. Calls in flight finish.
func (c *Client) Close() error {
	c.mu.Lock()
	c.clients = map[string]*keyClient{}
	c.mu.Unlock()
	if c.opts.HTTPClient == nil {
		c.http.CloseIdleConnections()
	}
	return nil
}

// genaiClient returns the genai client of a leased key.
func (c *Client) genaiClient(ctx context.Context, id string, secret keyrouter.Secret) (*genai.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if kc := c.clients[id]; kc != nil && kc.secret == secret {
		return kc.client, nil
	}
	cfg := &genai.ClientConfig{
		APIKey:      string(secret),
		Backend:     genai.BackendGeminiAPI,
		HTTPClient:  c.http,
		HTTPOptions: genai.HTTPOptions{BaseURL: c.opts.BaseURL, APIVersion: c.opts.APIVersion},
	}
	gc, err := genai.NewClient(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("gemini: client for key %s: %w", id, scrub(err, string(secret)))
	}
	c.clients[id] = &keyClient{secret: secret, client: gc}
	return gc, nil
}

// attempt is one try of one key on one model.
type attempt struct {
	model  string
	keyID  string
	secret string
	lease  *keyrouter.Lease
	client *genai.Client
	n      int // attempts so far, this one included
}

// release ends the attempt's lease with the outcome of err, whose tokens are
// used (or the estimate when 0). A deadline or cancellation that is not the
// caller's (an http.Client timeout, a transport giving up) is the call's
// failure, not the caller's choice: it counts as Transient.
func (a *attempt) release(ctx context.Context, err error, tokens int) keyrouter.Outcome {
	o := Classify(err)
	if o.Verdict == keyrouter.Canceled && ctx.Err() == nil {
		o.Verdict = keyrouter.Transient
	}
	o.Tokens = tokens
	o.Err = scrub(err, a.secret)
	a.lease.Release(o)
	return o
}

func (a *attempt) callError(o keyrouter.Outcome, interrupted bool) *CallError {
	return &CallError{Model: a.model, KeyID: a.keyID, Verdict: o.Verdict, Interrupted: interrupted, Err: o.Err}
}

// open runs try on keys of the request's models until one succeeds, and
// returns that attempt with its lease still held; the caller releases it.
// A failure moves to another key of the same model, or to the next model
// when the model has no key left, is overloaded (503) or is not found (404).
// A bad request, a canceled context or a router error ends the search.
func (c *Client) open(ctx context.Context, req *Request, estimate int, try func(ctx context.Context, a *attempt) error) (*attempt, error) {
	models := req.models(c.opts.Models)
	if len(models) == 0 {
		return nil, fmt.Errorf("%w: no model", ErrInvalidRequest)
	}
	var (
		lastErr *CallError
		noKey   *NoKeyError
		n       int
	)
	for _, model := range models {
		var tried []string // keys of this model already tried by this call
	keys:
		for range c.opts.MaxAttempts {
			lease, err := c.router.Acquire(ctx, keyrouter.Request{Tier: req.Tier, Model: model, Tokens: estimate, Exclude: tried})
			if err != nil {
				if ctxErr := ctx.Err(); ctxErr != nil {
					return nil, ctxErr
				}
				var nk *keyrouter.NoKeyError
				if !errors.As(err, &nk) && !errors.Is(err, keyrouter.ErrNoKey) {
					return nil, fmt.Errorf("gemini: %w", err)
				}
				if len(tried) > 0 && (nk == nil || nk.FreeAt.IsZero()) {
					break keys // every key of the model was tried, none is cooling
				}
				if noKey == nil {
					noKey = &NoKeyError{}
				}
				noKey.Models = append(noKey.Models, model)
				noKey.Err = err
				if nk != nil && !nk.FreeAt.IsZero() && (noKey.FreeAt.IsZero() || nk.FreeAt.Before(noKey.FreeAt)) {
					noKey.FreeAt = nk.FreeAt
				}
				break keys
			}
			id := lease.KeyID()
			tried = append(tried, id)
			n++
			a := &attempt{model: model, keyID: id, secret: string(lease.Secret()), lease: lease, n: n}
			a.client, err = c.genaiClient(ctx, id, lease.Secret())
			if err == nil {
				err = try(ctx, a)
			}
			if err == nil {
				return a, nil
			}
			o := a.release(ctx, err, 0)
			if o.Verdict == keyrouter.Canceled && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			lastErr = a.callError(o, false)
			if o.Verdict == keyrouter.BadRequest && !isCode(err, 404) {
				return nil, lastErr
			}
			if isCode(err, 404) || isCode(err, 503) {
				break keys
			}
		}
	}
	// When every model ended with no key (cooling, exhausted, retired), say
	// so and when one frees up, even if some calls failed on the way there.
	if noKey != nil && len(noKey.Models) == len(models) {
		noKey.Last = lastErr
		return nil, noKey
	}
	if lastErr != nil {
		return nil, lastErr
	}
	return nil, &NoKeyError{Models: models}
}

func isCode(err error, code int) bool {
	api, ok := asAPIError(err)
	return ok && apiCode(api) == code
}

// Generate sends req and returns the whole answer. With a nil error the
// Result holds text (possibly Truncated). A *BlockedError or ErrEmpty comes
// with the Result too (usage, model, key); other errors with a nil Result.
func (c *Client) Generate(ctx context.Context, req *Request) (*Result, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	contents, cfg := req.contents(), req.config()
	var resp *genai.GenerateContentResponse
	a, err := c.open(ctx, req, req.estimate(), func(ctx context.Context, a *attempt) error {
		var err error
		resp, err = a.client.Models.GenerateContent(ctx, a.model, contents, cfg)
		return err
	})
	if err != nil {
		return nil, err
	}
	var ans answer
	ans.add(resp)
	res := &Result{Model: a.model, KeyID: a.keyID, Attempts: a.n}
	answerErr := ans.result(res)
	a.lease.Release(keyrouter.Outcome{Verdict: keyrouter.Success, Tokens: res.Usage.Total})
	return res, answerErr
}

// failover runs a call whose whole work happens inside try and that uses no
// generation tokens (CountTokens).
func (c *Client) failover(ctx context.Context, req *Request, try func(ctx context.Context, a *attempt) error) error {
	a, err := c.open(ctx, req, 0, try)
	if err != nil {
		return err
	}
	a.lease.Release(keyrouter.Outcome{Verdict: keyrouter.Success})
	return nil
}
