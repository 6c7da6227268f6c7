package geminitest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/genai"

	"github.com/web3-ai-game/svs-telegram-bot/gemini/geminitest"
)

// Point the real genai client at the fake, stream an answer, then look at
// what the fake recorded.
func Example() {
	srv := geminitest.New(geminitest.Options{Chunks: 3, Answer: geminitest.Text("Hello from the fake!")})
	defer srv.Close()
	srv.AddKey("key-1", "test-secret", "project-a")

	client, err := genai.NewClient(context.Background(), &genai.ClientConfig{
		APIKey:      "test-secret",
		Backend:     genai.BackendGeminiAPI,
		HTTPClient:  srv.Client(),
		HTTPOptions: genai.HTTPOptions{BaseURL: srv.URL},
	})
	if err != nil {
		panic(err)
	}
	var pieces []string
	for resp, err := range client.Models.GenerateContentStream(context.Background(), "gemini-flash-latest",
		genai.Text("Hi!"), &genai.GenerateContentConfig{SystemInstruction: genai.NewContentFromText("Be kind.", "")}) {
		if err != nil {
			panic(err)
		}
		pieces = append(pieces, resp.Text())
	}
	fmt.Println(strings.Join(pieces, "|"))

	call := srv.Calls()[0]
	fmt.Println(call.Method, call.Model, call.KeyID, call.System, call.LastUserText())
	fmt.Printf("%+v\n", srv.Stats("project-a"))
	// Output:
	// Hello f|rom the| fake!
	// streamGenerateContent gemini-flash-latest key-1 Be kind. Hi!
	// {Calls:1 Answered:1 Refused:0 Failed:0}
}

// A per-minute quota on a project answers the third call with Google's 429.
func ExampleServer_SetProjectQuota() {
	srv := geminitest.New(geminitest.Options{})
	defer srv.Close()
	srv.AddKey("key-1", "test-secret", "project-a")
	srv.SetProjectQuota("project-a", "", geminitest.Quota{RPM: 2})

	client, err := genai.NewClient(context.Background(), &genai.ClientConfig{
		APIKey: "test-secret", Backend: genai.BackendGeminiAPI,
		HTTPClient: srv.Client(), HTTPOptions: genai.HTTPOptions{BaseURL: srv.URL},
	})
	if err != nil {
		panic(err)
	}
	for range 3 {
		_, err = client.Models.GenerateContent(context.Background(), "gemini-flash-latest", genai.Text("Hi"), nil)
	}
	var apiErr genai.APIError
	if !errors.As(err, &apiErr) {
		panic(err)
	}
	fmt.Println(apiErr.Code, apiErr.Status)
	fmt.Println(apiErr.Details[1]["violations"].([]any)[0].(map[string]any)["quotaId"])
	// Output:
	// 429 RESOURCE_EXHAUSTED
	// GenerateRequestsPerMinutePerProjectPerModel-FreeTier
}

// Inject a failure for the next call only.
func ExampleServer_Inject() {
	srv := geminitest.New(geminitest.Options{})
	defer srv.Close()
	srv.AddKey("key-1", "test-secret", "")
	srv.Inject(geminitest.Fault{Kind: geminitest.FaultOverloaded, Times: 1})

	client, err := genai.NewClient(context.Background(), &genai.ClientConfig{
		APIKey: "test-secret", Backend: genai.BackendGeminiAPI,
		HTTPClient: srv.Client(), HTTPOptions: genai.HTTPOptions{BaseURL: srv.URL},
	})
	if err != nil {
		panic(err)
	}
	for range 2 {
		resp, err := client.Models.GenerateContent(context.Background(), "gemini-flash-latest", genai.Text("Hi"), nil)
		if err != nil {
			var apiErr genai.APIError
			errors.As(err, &apiErr)
			fmt.Println("error:", apiErr.Message)
			continue
		}
		fmt.Println("answer:", resp.Text())
	}
	// Output:
	// error: The model is overloaded. Please try again later.
	// answer: echo: Hi
}
