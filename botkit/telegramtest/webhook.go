package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-telegram/bot/models"
)

// webhook is the webhook the bot set.
type webhook struct {
	url    string
	secret string
}

// WebhookDelivery is one attempt to push an update to the webhook.
type WebhookDelivery struct {
	At       time.Time // the server clock when the attempt ended
	UpdateID int64
	Status   int    // the webhook's HTTP status; 0 when the request failed
	Error    string // why the request failed
}

func validSecret(s string) bool {
	if len(s) < 1 || len(s) > 256 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

func (s *Server) setWebhook(p params, call *Call) (any, *apiError) {
	raw := p.str("url")
	call.Text = raw
	if raw == "" {
		return s.deleteWebhook(p, call)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, badRequest("bad webhook: invalid webhook URL specified")
	}
	secret := p.str("secret_token")
	if p.has("secret_token") && !validSecret(secret) {
		return nil, badRequest("secret token contains unallowed characters")
	}
	var allowed []string
	if p.has("allowed_updates") {
		if err := p.json("allowed_updates", &allowed); err != nil {
			return nil, badRequest("can't parse allowed updates")
		}
		s.allowed = allowed
	}
	if p.bool("drop_pending_updates") {
		s.updates = nil
	}
	s.webhook = &webhook{url: raw, secret: secret}
	if !s.pushing {
		s.pushing = true
		s.wg.Add(1)
		go s.push()
	}
	s.notifyLocked()
	return true, nil
}

func (s *Server) deleteWebhook(p params, _ *Call) (any, *apiError) {
	s.webhook = nil
	if p.bool("drop_pending_updates") {
		s.updates = nil
	}
	s.notifyLocked()
	return true, nil
}

func (s *Server) getWebhookInfo(_ params, _ *Call) (any, *apiError) {
	info := &models.WebhookInfo{PendingUpdateCount: len(s.updates), AllowedUpdates: s.allowed}
	if s.webhook != nil {
		info.URL = s.webhook.url
	}
	for i := len(s.deliveries) - 1; i >= 0; i-- {
		if d := s.deliveries[i]; d.Status < 200 || d.Status > 299 {
			info.LastErrorDate = int(d.At.Unix())
			info.LastErrorMessage = d.Error
			break
		}
	}
	return info, nil
}

// WebhookDeliveries returns every attempt to push an update, in order.
func (s *Server) WebhookDeliveries() []WebhookDelivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]WebhookDelivery(nil), s.deliveries...)
}

// push delivers queued updates to the webhook one at a time, in order, and
// retries an update until the webhook answers 2xx, as Telegram does.
func (s *Server) push() {
	defer s.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-s.closed:
			cancel()
		case <-ctx.Done():
		}
	}()
	client := &http.Client{Timeout: 30 * time.Second}
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if s.closing || s.webhook == nil {
			s.pushing = false
			return
		}
		got := s.deliverableLocked(1)
		if len(got) == 0 {
			changed := s.changed
			s.mu.Unlock()
			select {
			case <-changed:
			case <-s.closed:
			}
			s.mu.Lock()
			continue
		}
		u, hook := got[0], *s.webhook
		body, err := json.Marshal(u)
		s.mu.Unlock()
		d := WebhookDelivery{UpdateID: u.ID}
		if err == nil {
			d.Status, err = post(ctx, client, hook, body)
		}
		if err != nil {
			d.Error = err.Error()
		} else if d.Status < 200 || d.Status > 299 {
			d.Error = "Wrong response from the webhook: " + strconv.Itoa(d.Status) + " " + http.StatusText(d.Status)
		}
		s.mu.Lock()
		d.At = s.now()
		s.deliveries = append(s.deliveries, d)
		s.notifyLocked()
		if d.Error == "" {
			s.confirmLocked(u.ID + 1)
			continue
		}
		s.mu.Unlock()
		t := time.NewTimer(s.opts.WebhookRetryDelay)
		select {
		case <-t.C:
		case <-s.closed:
		}
		t.Stop()
		s.mu.Lock()
	}
}

func post(ctx context.Context, client *http.Client, hook webhook, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if hook.secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", hook.secret)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = bytes.NewBuffer(nil).ReadFrom(resp.Body)
	return resp.StatusCode, nil
}

// WaitDelivered waits until n updates have been pushed to the webhook with a
// 2xx answer, and returns every delivery attempt so far.
func (s *Server) WaitDelivered(ctx context.Context, n int) ([]WebhookDelivery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.waitLocked(ctx, func() bool {
		ok := 0
		for _, d := range s.deliveries {
			if d.Error == "" {
				ok++
			}
		}
		return ok >= n
	})
	if err != nil {
		return nil, err
	}
	return append([]WebhookDelivery(nil), s.deliveries...), nil
}
