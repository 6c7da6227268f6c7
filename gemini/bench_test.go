package gemini_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/genai"

	"github.com/web3-ai-game/svs-telegram-bot/gemini"
	"github.com/web3-ai-game/svs-telegram-bot/gemini/geminitest"
)

// answer2K is a 2 KB answer.
var answer2K = strings.Repeat("The quick brown fox jumps over the lazy dog. ", 46)[:2048]

func benchEnv(b *testing.B, chunks int) *env {
	return newEnv(b, envOptions{keys: 1, server: geminitest.Options{Chunks: chunks, Answer: geminitest.Text(answer2K)}})
}

// BenchmarkStreamFunc is BenchmarkStream through StreamFunc.
func BenchmarkStreamFunc(b *testing.B) {
	e := benchEnv(b, 20)
	req := &gemini.Request{Models: []string{"m"}, Text: "tell me"}
	ctx := context.Background()
	b.ReportAllocs()
	chunks := 0
	start := time.Now()
	for b.Loop() {
		res, err := e.client.StreamFunc(ctx, req, func(string) error { chunks++; return nil })
		if err != nil || len(res.Text) != len(answer2K) {
			b.Fatalf("stream: %v", err)
		}
	}
	b.ReportMetric(float64(chunks)/time.Since(start).Seconds(), "chunks/s")
}

// BenchmarkStream streams a 2 KB answer in 20 chunks from the fake through
// the client: allocations per stream and chunks per second. The figures
// include the fake server, which runs in the same process.
func BenchmarkStream(b *testing.B) {
	e := benchEnv(b, 20)
	req := &gemini.Request{Models: []string{"m"}, Text: "tell me"}
	ctx := context.Background()
	b.ReportAllocs()
	chunks := 0
	start := time.Now()
	for b.Loop() {
		s := e.client.Stream(ctx, req)
		for s.Next() {
			chunks++
		}
		if s.Err() != nil || len(s.Result().Text) != len(answer2K) {
			b.Fatalf("stream: %v, %d bytes", s.Err(), len(s.Result().Text))
		}
	}
	b.ReportMetric(float64(chunks)/time.Since(start).Seconds(), "chunks/s")
}

// BenchmarkOverhead compares the client with a bare genai call on the same
// fake, interleaving the two in each iteration (in alternating order) so
// that load on the machine hits both alike. It reports each one's ns/call and their ratio
// (client/bare; the target is at most 1.10).
func BenchmarkOverhead(b *testing.B) {
	for _, mode := range []string{"generate", "stream", "streamfunc"} {
		b.Run(mode, func(b *testing.B) {
			e := benchEnv(b, 20)
			bare := e.bare(b, "key00")
			req := &gemini.Request{Models: []string{"m"}, Text: "tell me"}
			contents := genai.Text("tell me")
			ctx := context.Background()
			bareCall := func() {
				if mode == "generate" {
					if _, err := bare.Models.GenerateContent(ctx, "m", contents, &genai.GenerateContentConfig{}); err != nil {
						b.Fatal(err)
					}
					return
				}
				for _, err := range bare.Models.GenerateContentStream(ctx, "m", contents, &genai.GenerateContentConfig{}) {
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			clientCall := func() {
				if mode == "streamfunc" {
					if _, err := e.client.StreamFunc(ctx, req, func(string) error { return nil }); err != nil {
						b.Fatal(err)
					}
					return
				}
				if mode == "generate" {
					if _, err := e.client.Generate(ctx, req); err != nil {
						b.Fatal(err)
					}
					return
				}
				s := e.client.Stream(ctx, req)
				for s.Next() {
				}
				if s.Err() != nil {
					b.Fatal(s.Err())
				}
			}
			bareCall() // warm both up: connections, the per-key client
			clientCall()
			var bareTime, clientTime time.Duration
			n := 0
			for b.Loop() {
				// Alternate which goes first, so that neither always finds
				// the connection and the caches the other just warmed.
				first, second := bareCall, clientCall
				if n%2 == 1 {
					first, second = clientCall, bareCall
				}
				t0 := time.Now()
				first()
				t1 := time.Now()
				second()
				t2 := time.Now()
				if n%2 == 1 {
					clientTime += t1.Sub(t0)
					bareTime += t2.Sub(t1)
				} else {
					bareTime += t1.Sub(t0)
					clientTime += t2.Sub(t1)
				}
				n++
			}
			b.ReportMetric(float64(bareTime.Nanoseconds())/float64(n), "bare-ns/call")
			b.ReportMetric(float64(clientTime.Nanoseconds())/float64(n), "client-ns/call")
			b.ReportMetric(float64(clientTime)/float64(bareTime), "client/bare")
		})
	}
}
