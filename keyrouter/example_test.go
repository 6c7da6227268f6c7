package keyrouter_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/keyrouter"
)

var errOverloaded = errors.New("503 overloaded")

func Example() {
	keys, err := keyrouter.ParseKeys(`
		A:owners:AIzaSyOwnerKey0001*2, A:owners:AIzaSyOwnerKey0002
		C:free:AIzaSyFreeKey00001
	`)
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := keyrouter.New(keys, keyrouter.Options{
		Tiers: map[string][]string{"owner": {"A", "C"}, "free": {"C"}},
		Classifier: func(err error) keyrouter.Outcome {
			if errors.Is(err, errOverloaded) {
				return keyrouter.Outcome{Verdict: keyrouter.Transient, Err: err}
			}
			return keyrouter.Outcome{Verdict: keyrouter.BadRequest, Err: err}
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()

	calls := 0
	err = r.Do(context.Background(), keyrouter.Request{Tier: "free", Model: "gemini-flash-latest", Tokens: 500},
		func(ctx context.Context, l *keyrouter.Lease) (int, error) {
			calls++
			fmt.Printf("call %d on %v (group %s)\n", calls, l, l.Group())
			// The real call sends string(l.Secret()) on the wire.
			return 420, nil
		})
	fmt.Println("err:", err)
	// Output:
	// call 1 on lease k-a7791cc9 gemini-flash-latest (group C)
	// err: <nil>
}

func ExampleRouter_Acquire() {
	now := time.Date(2031, 1, 1, 12, 0, 0, 0, time.UTC)
	r, _ := keyrouter.New([]keyrouter.Key{{Secret: "AIzaSyExample", Limits: keyrouter.Limits{RPM: 1}}},
		keyrouter.Options{Now: func() time.Time { return now }, MaxWait: -1})
	defer r.Close()

	l, err := r.Acquire(context.Background(), keyrouter.Request{Model: "m"})
	fmt.Println(l.KeyID(), err)
	// A streamed call holds the lease until the stream ends.
	l.Release(keyrouter.Outcome{Verdict: keyrouter.Success, Tokens: 1200})

	_, err = r.Acquire(context.Background(), keyrouter.Request{Model: "m"})
	var nk *keyrouter.NoKeyError
	if errors.As(err, &nk) {
		fmt.Println("try again in", nk.RetryIn(now))
	}
	// Output:
	// k-4ed2d723 <nil>
	// try again in 1m0s
}

func ExampleSecret() {
	k := keyrouter.Key{Secret: "AIzaSyVerySecret", Group: "A"}
	fmt.Println(k.Secret)
	fmt.Printf("%q %#v\n", k.Secret, k.Secret)
	fmt.Println(k)
	// Output:
	// [REDACTED]
	// [REDACTED] [REDACTED]
	// k-3143072b (group "A")
}

func ExampleParseKeys() {
	keys, _ := keyrouter.ParseKeys("A:proj1:AIzaKey1*2; B:AIzaKey2\nAIzaKey3")
	for _, k := range keys {
		fmt.Println(k.ID, k.Group, k.Project, k.Weight)
	}
	_, err := keyrouter.ParseKeys("A:proj1:AIzaKey1*two")
	fmt.Println(err)
	// Output:
	// k-eca6662f A proj1 2
	// k-c3194dd8 B  0
	// k-1d94c227   0
	// keyrouter: key 1 (byte 0): weight after "*" is not an integer from 1 to 1000
}

func ExampleRouter_Stats() {
	r, _ := keyrouter.New([]keyrouter.Key{{Secret: "AIzaSyStats", Group: "A", Project: "p"}}, keyrouter.Options{})
	defer r.Close()
	l, _ := r.Acquire(context.Background(), keyrouter.Request{Model: "m"})
	l.Release(keyrouter.Outcome{Verdict: keyrouter.DeadKey})
	for _, st := range r.Stats() {
		fmt.Println(st.ID, st.Group, st.Project, st.State, st.LastError)
	}
	// Output:
	// k-ac9ab15e A p retired dead-key
}
