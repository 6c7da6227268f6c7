package botkit

import "sync"

// watermark tracks received updates and gives the offset that may be
// confirmed to Telegram: one past the highest update ID below which every
// update has been handled (or dropped as a duplicate). Telegram sends
// update IDs in increasing order, so received IDs form a sorted queue.
type watermark struct {
	mu      sync.Mutex
	next    int64          // one past the highest ID received; the start offset before any
	order   []int64        // received IDs not yet popped, increasing
	head    int            // first live index of order
	done    map[int64]bool // received ID -> finished
	changed chan struct{}  // gets a token when an update finishes
}

func newWatermark(offset int64) *watermark {
	return &watermark{next: offset, done: make(map[int64]bool), changed: make(chan struct{}, 1)}
}

// receive records id and reports whether it is new (not received before).
func (w *watermark) receive(id int64) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if id < w.next {
		return false
	}
	w.next = id + 1
	w.order = append(w.order, id)
	w.done[id] = false
	return true
}

// finish records the outcome of id. A cancelled update stays unfinished,
// holding the watermark below it.
func (w *watermark) finish(id int64, out Outcome) {
	if out == OutcomeCancelled {
		return
	}
	w.mu.Lock()
	if _, ok := w.done[id]; ok {
		w.done[id] = true
	}
	w.mu.Unlock()
	select {
	case w.changed <- struct{}{}:
	default:
	}
}

// forget drops id, received but never given to the dispatcher, so that it is
// fetched again: the watermark stays below it and it counts as not received.
func (w *watermark) forget(id int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if id == w.next-1 {
		w.next = id
		delete(w.done, id)
		w.order = w.order[:len(w.order)-1]
	}
}

// confirmed returns the offset that may be confirmed.
func (w *watermark) confirmed() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.head < len(w.order) && w.done[w.order[w.head]] {
		delete(w.done, w.order[w.head])
		w.head++
	}
	if w.head == len(w.order) {
		w.order, w.head = w.order[:0], 0
		return w.next
	}
	if w.head > len(w.order)/2 && w.head > 64 {
		w.order = append(w.order[:0], w.order[w.head:]...)
		w.head = 0
	}
	return w.order[w.head]
}
