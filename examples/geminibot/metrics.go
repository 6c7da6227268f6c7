package main

import (
	"net/http"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
	"github.com/web3-ai-game/svs-telegram-bot/keyrouter"
)

// metrics is the Prometheus registry of /metrics and the botkit.Observer
// that feeds it. Its series carry no text and no secret: key IDs only.
type metrics struct {
	reg      *prometheus.Registry
	updates  *prometheus.CounterVec
	replies  *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	first    *prometheus.HistogramVec
	tokens   *prometheus.CounterVec
	tgErrors *prometheus.CounterVec
	// keys is the Stats of the current key router, read at collection.
	keys atomic.Pointer[func() []keyrouter.KeyStats]
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.updates = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "svsbot_updates_total", Help: "Telegram updates received, by kind.",
	}, []string{"kind"})
	m.replies = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "svsbot_replies_total", Help: "AI replies, by outcome, tier and model.",
	}, []string{"outcome", "tier", "model"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "svsbot_reply_seconds", Help: "Time from an update's arrival to the end of its AI reply.",
		Buckets: []float64{0.25, 0.5, 1, 2, 4, 8, 16, 32, 64},
	}, []string{"tier"})
	m.first = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "svsbot_first_text_seconds", Help: "Time from an update's arrival to the model's first text.",
		Buckets: []float64{0.1, 0.25, 0.5, 1, 2, 4, 8, 16},
	}, []string{"tier"})
	m.tokens = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "svsbot_tokens_total", Help: "Model tokens reported, by kind (prompt, output) and model.",
	}, []string{"kind", "model"})
	m.tgErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "svsbot_telegram_errors_total", Help: "Failed Bot API calls, by method and class.",
	}, []string{"method", "class"})
	m.reg.MustRegister(m.updates, m.replies, m.latency, m.first, m.tokens, m.tgErrors,
		keyCollector{m}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// observer returns the Observer of a bot built on router.
func (m *metrics) observer(router *keyrouter.Router) botkit.Observer {
	stats := router.Stats
	m.keys.Store(&stats)
	return observer{m}
}

type observer struct{ m *metrics }

func (o observer) UpdateReceived(kind string) { o.m.updates.WithLabelValues(kind).Inc() }

func (o observer) ReplyFinished(r botkit.ReplyEvent) {
	o.m.replies.WithLabelValues(r.Outcome, r.Tier, r.Model).Inc()
	o.m.latency.WithLabelValues(r.Tier).Observe(r.Latency.Seconds())
	if r.FirstText > 0 {
		o.m.first.WithLabelValues(r.Tier).Observe(r.FirstText.Seconds())
	}
	if r.Model != "" {
		o.m.tokens.WithLabelValues("prompt", r.Model).Add(float64(r.PromptTokens))
		o.m.tokens.WithLabelValues("output", r.Model).Add(float64(r.OutputTokens))
	}
}

func (o observer) TelegramError(method, class string) {
	o.m.tgErrors.WithLabelValues(method, class).Inc()
}

// keyCollector reports each key's state and use at collection time.
type keyCollector struct{ m *metrics }

var (
	keyStateDesc = prometheus.NewDesc("svsbot_key_ready", "1 when the key serves calls, 0 when cooling, exhausted, open or retired.", []string{"key", "group", "state"}, nil)
	keyUsedDesc  = prometheus.NewDesc("svsbot_key_requests_today", "Requests of the key's project since the daily reset.", []string{"key", "group"}, nil)
	keyFlyDesc   = prometheus.NewDesc("svsbot_key_in_flight", "Calls in flight on the key.", []string{"key", "group"}, nil)
)

func (c keyCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- keyStateDesc
	ch <- keyUsedDesc
	ch <- keyFlyDesc
}

func (c keyCollector) Collect(ch chan<- prometheus.Metric) {
	stats := c.m.keys.Load()
	if stats == nil {
		return
	}
	for _, k := range (*stats)() {
		ready := 0.0
		if k.State == keyrouter.StateReady {
			ready = 1
		}
		ch <- prometheus.MustNewConstMetric(keyStateDesc, prometheus.GaugeValue, ready, k.ID, k.Group, k.State.String())
		ch <- prometheus.MustNewConstMetric(keyUsedDesc, prometheus.GaugeValue, float64(k.UsedToday), k.ID, k.Group)
		ch <- prometheus.MustNewConstMetric(keyFlyDesc, prometheus.GaugeValue, float64(k.InFlight), k.ID, k.Group)
	}
}
