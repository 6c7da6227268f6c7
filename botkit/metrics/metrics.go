// Package metrics exports a bot's activity to Prometheus: it implements
// botkit.Observer on top of prometheus/client_golang, so that programs
// that do not want Prometheus do not compile it.
//
// # Use
//
//	m := metrics.New(metrics.Options{})
//	prometheus.MustRegister(m)
//	b, _ := botkit.New(token, botkit.Options{Observer: m, ...})
//	http.Handle("/metrics", promhttp.Handler())
//
// # Series
//
// With the default namespace "svsbot":
//
//   - svsbot_updates_total{kind}: updates received, by kind.
//   - svsbot_replies_total{outcome,tier,model}: AI replies by outcome.
//   - svsbot_reply_seconds{outcome}: reply latency, from arrival to end.
//   - svsbot_first_text_seconds: time to the model's first text.
//   - svsbot_tokens_total{kind,model}: prompt and output tokens.
//   - svsbot_gemini_errors_total{class}: failed replies by Gemini class.
//   - svsbot_telegram_errors_total{method,class}: failed Bot API calls.
//   - svsbot_key_state{key,group,state}: 1 for each key's current state.
//   - svsbot_key_in_flight{key}, svsbot_key_requests_today{key}.
//   - svsbot_key_calls_total{key,verdict}: calls by outcome, per key.
//
// Key series carry the keys' non-secret IDs, never their secrets.
package metrics

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
	"github.com/web3-ai-game/svs-telegram-bot/keyrouter"
)

// Options configure a Collector; the zero value gives the defaults.
type Options struct {
	// Namespace prefixes every series; "" means "svsbot".
	Namespace string
	// Buckets are the latency histogram buckets in seconds; nil means
	// 0.1 s to about 100 s, doubling.
	Buckets []float64
}

// Collector is a prometheus.Collector and a botkit.Observer. It is safe
// for concurrent use; register it once.
type Collector struct {
	updates    *prometheus.CounterVec
	replies    *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	firstText  prometheus.Histogram
	tokens     *prometheus.CounterVec
	geminiErrs *prometheus.CounterVec
	tgErrs     *prometheus.CounterVec

	keyState, keyInFlight, keyToday, keyCalls *prometheus.Desc
	keys                                      atomic.Pointer[func() []keyrouter.KeyStats]
}

var (
	_ botkit.Observer      = (*Collector)(nil)
	_ prometheus.Collector = (*Collector)(nil)
)

// New returns a Collector.
func New(opts Options) *Collector {
	ns := opts.Namespace
	if ns == "" {
		ns = "svsbot"
	}
	buckets := opts.Buckets
	if buckets == nil {
		buckets = prometheus.ExponentialBuckets(0.1, 2, 11)
	}
	return &Collector{
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "updates_total",
			Help: "Telegram updates received, by kind."}, []string{"kind"}),
		replies: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "replies_total",
			Help: "AI replies, by outcome, tier and model."}, []string{"outcome", "tier", "model"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "reply_seconds",
			Help: "Time from an update's arrival to the end of its AI reply.", Buckets: buckets}, []string{"outcome"}),
		firstText: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Name: "first_text_seconds",
			Help: "Time from an update's arrival to the model's first text.", Buckets: buckets}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "tokens_total",
			Help: "Tokens reported by the model, by kind (prompt, output) and model."}, []string{"kind", "model"}),
		geminiErrs: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "gemini_errors_total",
			Help: "AI replies that failed on the Gemini side, by class."}, []string{"class"}),
		tgErrs: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "telegram_errors_total",
			Help: "Failed Bot API calls (retried attempts included), by method and class."}, []string{"method", "class"}),
		keyState: prometheus.NewDesc(prometheus.BuildFQName(ns, "", "key_state"),
			"1 for the current state of each Gemini key.", []string{"key", "group", "state"}, nil),
		keyInFlight: prometheus.NewDesc(prometheus.BuildFQName(ns, "", "key_in_flight"),
			"Calls in flight on each Gemini key.", []string{"key"}, nil),
		keyToday: prometheus.NewDesc(prometheus.BuildFQName(ns, "", "key_requests_today"),
			"Requests since the daily reset, per key (shared by the keys of a project).", []string{"key"}, nil),
		keyCalls: prometheus.NewDesc(prometheus.BuildFQName(ns, "", "key_calls_total"),
			"Calls per Gemini key by verdict.", []string{"key", "verdict"}, nil),
	}
}

// geminiClasses are the reply outcomes that are Gemini's failures.
var geminiClasses = map[string]bool{
	"no_key": true, "blocked": true, "empty": true, "unavailable": true, "bad_request": true, "interrupted": true,
}

// UpdateReceived implements botkit.Observer.
func (c *Collector) UpdateReceived(kind string) { c.updates.WithLabelValues(kind).Inc() }

// ReplyFinished implements botkit.Observer.
func (c *Collector) ReplyFinished(r botkit.ReplyEvent) {
	c.replies.WithLabelValues(r.Outcome, r.Tier, r.Model).Inc()
	c.latency.WithLabelValues(r.Outcome).Observe(r.Latency.Seconds())
	if r.FirstText > 0 {
		c.firstText.Observe(r.FirstText.Seconds())
	}
	if r.PromptTokens > 0 {
		c.tokens.WithLabelValues("prompt", r.Model).Add(float64(r.PromptTokens))
	}
	if r.OutputTokens > 0 {
		c.tokens.WithLabelValues("output", r.Model).Add(float64(r.OutputTokens))
	}
	if geminiClasses[r.Outcome] {
		c.geminiErrs.WithLabelValues(r.Outcome).Inc()
	}
}

// TelegramError implements botkit.Observer.
func (c *Collector) TelegramError(method, class string) {
	c.tgErrs.WithLabelValues(method, class).Inc()
}

// ObserveKeys makes the Collector report the keys of stats at every
// collection. botkit calls it with the key router's Stats.
func (c *Collector) ObserveKeys(stats func() []keyrouter.KeyStats) { c.keys.Store(&stats) }

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	c.updates.Describe(ch)
	c.replies.Describe(ch)
	c.latency.Describe(ch)
	c.firstText.Describe(ch)
	c.tokens.Describe(ch)
	c.geminiErrs.Describe(ch)
	c.tgErrs.Describe(ch)
	ch <- c.keyState
	ch <- c.keyInFlight
	ch <- c.keyToday
	ch <- c.keyCalls
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.updates.Collect(ch)
	c.replies.Collect(ch)
	c.latency.Collect(ch)
	c.firstText.Collect(ch)
	c.tokens.Collect(ch)
	c.geminiErrs.Collect(ch)
	c.tgErrs.Collect(ch)
	f := c.keys.Load()
	if f == nil {
		return
	}
	for _, k := range (*f)() {
		ch <- prometheus.MustNewConstMetric(c.keyState, prometheus.GaugeValue, 1, k.ID, k.Group, k.State.String())
		ch <- prometheus.MustNewConstMetric(c.keyInFlight, prometheus.GaugeValue, float64(k.InFlight), k.ID)
		ch <- prometheus.MustNewConstMetric(c.keyToday, prometheus.GaugeValue, float64(k.UsedToday), k.ID)
		ch <- prometheus.MustNewConstMetric(c.keyCalls, prometheus.CounterValue, float64(k.Successes), k.ID, keyrouter.Success.String())
		for v, n := range k.Failures {
			ch <- prometheus.MustNewConstMetric(c.keyCalls, prometheus.CounterValue, float64(n), k.ID, v.String())
		}
	}
}

// Updates returns the counter of updates of a kind, for tests.
func (c *Collector) Updates(kind string) prometheus.Counter { return c.updates.WithLabelValues(kind) }

// Replies returns the counter of replies with an outcome, tier and model,
// for tests.
func (c *Collector) Replies(outcome, tier, model string) prometheus.Counter {
	return c.replies.WithLabelValues(outcome, tier, model)
}

// GeminiErrors returns the counter of failed replies of a Gemini class,
// for tests.
func (c *Collector) GeminiErrors(class string) prometheus.Counter {
	return c.geminiErrs.WithLabelValues(class)
}

// TelegramErrors returns the counter of failed Bot API calls of a method
// and class, for tests.
func (c *Collector) TelegramErrors(method, class string) prometheus.Counter {
	return c.tgErrs.WithLabelValues(method, class)
}
