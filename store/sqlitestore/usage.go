package sqlitestore

import (
	"context"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

const (
	sqlAppendUsage = `INSERT INTO usage (user_id, chat_id, model, key_id, prompt_tokens, output_tokens, latency_ns, outcome, time_ns)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	// sqlSummarizeUsage groups by UTC day, computed from the nanosecond
	// time with floor division so that days before 1970 are whole days too.
	sqlSummarizeUsage = `SELECT day, user_id, model, key_id, count(*), sum(outcome <> 'ok'),
			sum(prompt_tokens), sum(output_tokens), sum(latency_ns)
		FROM (SELECT CASE WHEN time_ns >= 0 THEN time_ns / 86400000000000
				ELSE (time_ns + 1) / 86400000000000 - 1 END AS day,
			user_id, model, key_id, outcome, prompt_tokens, output_tokens, latency_ns
			FROM usage WHERE time_ns >= ?1 AND time_ns < ?2)
		GROUP BY day, user_id, model, key_id
		ORDER BY day, user_id, model, key_id`
)

// AppendUsage stores a usage record.
func (s *Store) AppendUsage(ctx context.Context, r store.UsageRecord) error {
	if err := store.CheckUsage(r); err != nil {
		return err
	}
	err := s.w.submit(ctx, func(w *writer) error {
		_, err := w.exec(sqlAppendUsage, r.UserID, r.ChatID, r.Model, r.KeyID, r.PromptTokens, r.OutputTokens,
			int64(r.Latency), r.Outcome, nanos(r.Time))
		return err
	})
	if err != nil {
		return s.fail(ctx, "append usage", err)
	}
	return nil
}

// SummarizeUsage returns the records with from <= Time < to, summed per
// user, model, key and UTC day.
func (s *Store) SummarizeUsage(ctx context.Context, from, to time.Time) ([]store.UsageBucket, error) {
	if s.closed.Load() {
		return nil, errClosed("summarize usage")
	}
	rows, err := s.rd.query(ctx, sqlSummarizeUsage, nanos(from), nanos(to))
	if err != nil {
		return nil, s.fail(ctx, "summarize usage", err)
	}
	defer rows.Close()
	buckets := []store.UsageBucket{}
	for rows.Next() {
		var (
			b       store.UsageBucket
			day     int64
			latency int64
		)
		if err := rows.Scan(&day, &b.UserID, &b.Model, &b.KeyID, &b.Requests, &b.Errors,
			&b.PromptTokens, &b.OutputTokens, &latency); err != nil {
			return nil, s.fail(ctx, "summarize usage", err)
		}
		b.Day = time.Unix(day*86400, 0).UTC()
		b.Latency = time.Duration(latency)
		buckets = append(buckets, b)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(ctx, "summarize usage", err)
	}
	return buckets, nil
}
