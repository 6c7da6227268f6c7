package main

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"time"
)

// memStatus reads VmRSS and VmHWM (peak RSS) of this process, in bytes,
// from /proc/self/status; zeros where they cannot be read.
func memStatus() (rss, hwm int64) {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		line := sc.Bytes()
		var dst *int64
		switch {
		case bytes.HasPrefix(line, []byte("VmRSS:")):
			dst = &rss
		case bytes.HasPrefix(line, []byte("VmHWM:")):
			dst = &hwm
		default:
			continue
		}
		fields := bytes.Fields(line)
		if len(fields) >= 2 {
			kb, _ := strconv.ParseInt(string(fields[1]), 10, 64)
			*dst = kb << 10
		}
	}
	return rss, hwm
}

// resetPeakRSS asks Linux to restart VmHWM from the current RSS, so that a
// phase's peak is its own; it reports whether it could.
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// sampler records the RSS and goroutine count every interval.
type sampler struct {
	stop chan struct{}
	done chan struct{}

	mu            sync.Mutex
	peakRSS       int64
	peakGoroutine int
	peakStacks    uint64 // goroutine stacks, bytes
	peakHeap      uint64 // live and unswept heap objects, bytes
	hwmReset      bool
	metrics       []metrics.Sample
}

// Runtime metrics sampled with the RSS, to tell stacks from heap.
const (
	metricStacks = "/memory/classes/heap/stacks:bytes"
	metricHeap   = "/memory/classes/heap/objects:bytes"
)

func startSampler(every time.Duration) *sampler {
	runtime.GC()
	s := &sampler{stop: make(chan struct{}), done: make(chan struct{}), hwmReset: resetPeakRSS(),
		metrics: []metrics.Sample{{Name: metricStacks}, {Name: metricHeap}}}
	s.sample()
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				s.sample()
			case <-s.stop:
				s.sample()
				return
			}
		}
	}()
	return s
}

func (s *sampler) sample() {
	rss, _ := memStatus()
	g := runtime.NumGoroutine()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.peakRSS = max(s.peakRSS, rss)
	s.peakGoroutine = max(s.peakGoroutine, g)
	metrics.Read(s.metrics)
	for _, m := range s.metrics {
		if m.Value.Kind() != metrics.KindUint64 {
			continue
		}
		switch m.Name {
		case metricStacks:
			s.peakStacks = max(s.peakStacks, m.Value.Uint64())
		case metricHeap:
			s.peakHeap = max(s.peakHeap, m.Value.Uint64())
		}
	}
}

// peaks are the highest readings of a phase.
type peaks struct {
	RSS, HWM     int64 // sampled VmRSS; VmHWM (0 if it could not be reset)
	Goroutines   int
	Stacks, Heap uint64 // goroutine stacks and heap objects, from runtime/metrics
}

// finish stops sampling and returns the peaks.
func (s *sampler) finish() peaks {
	close(s.stop)
	<-s.done
	_, hwm := memStatus()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.hwmReset {
		hwm = 0
	}
	return peaks{RSS: s.peakRSS, HWM: hwm, Goroutines: s.peakGoroutine, Stacks: s.peakStacks, Heap: s.peakHeap}
}
