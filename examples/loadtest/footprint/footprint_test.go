package main

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	} {
		assert.Equal(t, tc.want, median(tc.in), "%v", tc.in)
	}
}

func TestProcessRSS(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc on this system")
	}
	rss, err := processRSS(os.Getpid())
	require.NoError(t, err)
	assert.Greater(t, rss, int64(1<<20), "a Go test process holds more than 1 MB")
	_, err = processRSS(-1)
	assert.Error(t, err)
}

func TestVerdictAndFirstLine(t *testing.T) {
	assert.Equal(t, "met", verdict(true))
	assert.Equal(t, "MISSED", verdict(false))
	assert.Equal(t, "go build failed", firstLine("\n go build failed\nmore detail\n"))
}
