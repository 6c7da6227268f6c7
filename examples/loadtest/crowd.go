package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
)

// Chat IDs of the crowd: private chats are their user's ID, groups are
// small negative IDs (plain groups for the fake), and group members have
// IDs of their own.
const (
	firstPrivateChat = 1_000_000
	firstGroup       = -1_000
	firstGroupMember = 5_000_000
)

// crowd plays the users: it sends user messages to the Telegram fake, in
// an open loop at a fixed rate or in a closed loop where every chat waits
// for its answer before writing again.
type crowd struct {
	sc    Scenario
	tg    *telegramtest.Server
	tr    *tracker
	chats []int64
	turn  map[int64]*atomic.Int64 // group chat -> messages sent, to rotate members

	seq     atomic.Int64
	ready   chan int64 // closed loop: chats whose last message was answered
	first   time.Time
	sendErr atomic.Pointer[error]
}

func newCrowd(sc Scenario, tg *telegramtest.Server, tr *tracker) *crowd {
	c := &crowd{sc: sc, tg: tg, tr: tr, turn: map[int64]*atomic.Int64{}}
	for i := range sc.Chats {
		c.chats = append(c.chats, int64(firstPrivateChat+i))
	}
	for i := range sc.Groups {
		id := int64(firstGroup - i)
		c.chats = append(c.chats, id)
		c.turn[id] = new(atomic.Int64)
		tg.AddChat(models.Chat{ID: id, Type: models.ChatTypeGroup, Title: fmt.Sprintf("Load group %d", i)})
	}
	c.ready = make(chan int64, len(c.chats))
	return c
}

// answered is the tracker's onAnswer: in a closed loop the chat may write
// again. It runs under the fake's lock, so it only queues the chat.
func (c *crowd) answered(chat int64) {
	if c.sc.Rate > 0 {
		return
	}
	if c.sc.Think > 0 {
		time.AfterFunc(c.sc.Think, func() { c.ready <- chat })
		return
	}
	c.ready <- chat
}

// send sends the next user message to chat; false when all are sent.
func (c *crowd) send(chat int64) bool {
	seq := c.seq.Add(1)
	if seq > int64(c.sc.Messages) {
		return false
	}
	in := telegramtest.Incoming{ChatID: chat, Text: question(seq)}
	if chat < 0 {
		n := c.turn[chat].Add(1)
		member := firstGroupMember + (-chat)*int64(c.sc.GroupUsers) + n%int64(c.sc.GroupUsers)
		in.From = models.User{ID: member, FirstName: fmt.Sprintf("Member%d", member), LanguageCode: "en"}
		in.Text = "@" + c.tg.Bot().Username + " " + in.Text
	}
	c.tr.expect(seq, chat, time.Now())
	msg, err := c.tg.Send(in)
	if err != nil {
		c.sendErr.CompareAndSwap(nil, &err)
		return false
	}
	c.tr.bind(seq, msg.ID)
	return true
}

// run sends every message and returns how many were sent. It stops early
// when ctx ends or Scenario.Duration passes.
func (c *crowd) run(ctx context.Context) (int, error) {
	c.first = time.Now()
	if c.sc.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.sc.Duration)
		defer cancel()
	}
	if c.sc.Rate > 0 {
		c.openLoop(ctx)
	} else {
		c.closedLoop(ctx)
	}
	n := int(min(c.seq.Load(), int64(c.sc.Messages)))
	if p := c.sendErr.Load(); p != nil {
		return n, *p
	}
	return n, nil
}

// openLoop sends at Scenario.Rate, round robin over the chats, whatever
// the answers do.
func (c *crowd) openLoop(ctx context.Context) {
	interval := time.Duration(float64(time.Second) / c.sc.Rate)
	for i := 0; ; i++ {
		if due := c.first.Add(time.Duration(i) * interval); time.Until(due) > time.Millisecond {
			t := time.NewTimer(time.Until(due))
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return
			}
		}
		if ctx.Err() != nil || !c.send(c.chats[i%len(c.chats)]) {
			return
		}
	}
}

// closedLoop starts every chat, then sends each chat's next message when
// its last one was answered, from a few goroutines. It gives up when no
// chat was answered for Scenario.Drain.
func (c *crowd) closedLoop(ctx context.Context) {
	for _, chat := range c.chats {
		c.ready <- chat
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			stall := time.NewTimer(c.sc.Drain)
			defer stall.Stop()
			for {
				select {
				case chat := <-c.ready:
					if !c.send(chat) {
						return
					}
					stall.Reset(c.sc.Drain)
				case <-stall.C:
					return
				case <-ctx.Done():
					return
				}
			}
		})
	}
	wg.Wait()
}
