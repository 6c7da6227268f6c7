package keyrouter

import (
	"context"
	"strconv"
	"testing"
)

// BenchmarkAcquireRelease measures the hot path with 10 and 1,000 keys
// (one group, each key its own project, day and token limits counted),
// from parallel goroutines.
func BenchmarkAcquireRelease(b *testing.B) {
	for _, n := range []int{10, 1000} {
		b.Run(strconv.Itoa(n)+"keys", func(b *testing.B) {
			keys := makeKeys(n, "bench", "A", "", Limits{RPD: 1 << 40, TPM: 1 << 50})
			r, err := New(keys, Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			ctx := context.Background()
			req := Request{Tier: "any", Model: "m", Tokens: 100}
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					l, err := r.Acquire(ctx, req)
					if err != nil {
						b.Error(err)
						return
					}
					l.Release(Outcome{Tokens: 120})
				}
			})
			b.ReportMetric(float64(n), "keys")
		})
	}
}
