package gemini_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/web3-ai-game/svs-telegram-bot/gemini"
	"github.com/web3-ai-game/svs-telegram-bot/gemini/geminitest"
	"github.com/web3-ai-game/svs-telegram-bot/keyrouter"
)

// Stream an answer through two keys; the first one is dead, so the call
// moves to the other before any text reaches the caller.
func Example() {
	srv := geminitest.New(geminitest.Options{Chunks: 3, Answer: geminitest.Text("Arr, ahoy there!")})
	defer srv.Close()
	srv.AddKey("k1", "secret-one", "")
	srv.AddKey("k2", "secret-two", "")
	srv.Inject(geminitest.Fault{Kind: geminitest.FaultInvalidKey, KeyID: "k1"})

	router, err := keyrouter.New([]keyrouter.Key{
		{ID: "k1", Secret: "secret-one"},
		{ID: "k2", Secret: "secret-two"},
	}, keyrouter.Options{Classifier: gemini.Classify})
	if err != nil {
		panic(err)
	}
	defer router.Close()
	client, err := gemini.New(router, gemini.Options{BaseURL: srv.URL})
	if err != nil {
		panic(err)
	}
	defer client.Close()

	s := client.Stream(context.Background(), &gemini.Request{
		Models: []string{gemini.ModelFlash, gemini.ModelFlashLite},
		System: "You are a pirate.",
		Text:   "Say hello.",
	})
	defer s.Close()
	for s.Next() {
		fmt.Printf("[%s]", s.Text())
	}
	fmt.Println()
	if err := s.Err(); err != nil {
		panic(err)
	}
	res := s.Result()
	fmt.Println(res.FinishReason, res.Model, res.KeyID, res.Usage.Output)
	// Output:
	// [Arr, a][hoy t][here!]
	// STOP gemini-flash-latest k2 4
}

// Blocked answers come back as typed errors.
func ExampleClient_Generate() {
	srv := geminitest.New(geminitest.Options{})
	defer srv.Close()
	srv.AddKey("k1", "secret-one", "")
	srv.Inject(geminitest.Fault{Kind: geminitest.FaultBlockedPrompt})

	router, err := keyrouter.New([]keyrouter.Key{{ID: "k1", Secret: "secret-one"}}, keyrouter.Options{})
	if err != nil {
		panic(err)
	}
	defer router.Close()
	client, err := gemini.New(router, gemini.Options{BaseURL: srv.URL})
	if err != nil {
		panic(err)
	}
	_, err = client.Generate(context.Background(), &gemini.Request{Text: "something bad"})
	var blocked *gemini.BlockedError
	fmt.Println(errors.Is(err, gemini.ErrBlocked), errors.As(err, &blocked) && blocked.Prompt, blocked.Reason)
	// Output:
	// true true SAFETY
}

func ExampleEstimateTokens() {
	fmt.Println(gemini.EstimateTokens("Hello, world!"), gemini.EstimateTokens("你好，世界！"))
	// Output:
	// 4 6
}

func ExampleClassify() {
	o := gemini.Classify(context.Canceled)
	fmt.Println(o.Verdict)
	// Output:
	// canceled
}
