package telegramtest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
)

// apiAnswer is the Bot API's response envelope.
type apiAnswer struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter      int   `json:"retry_after"`
		MigrateToChatID int64 `json:"migrate_to_chat_id"`
	} `json:"parameters"`
}

// rawCall calls a method with a urlencoded body, as curl would.
func rawCall(t testing.TB, srv *telegramtest.Server, method string, values url.Values) apiAnswer {
	t.Helper()
	resp, err := http.PostForm(srv.URL()+"/bot"+srv.Token()+"/"+method, values)
	require.NoError(t, err)
	defer resp.Body.Close()
	var a apiAnswer
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&a))
	require.Equal(t, a.OK, resp.StatusCode == http.StatusOK)
	if !a.OK {
		require.Equal(t, resp.StatusCode, a.ErrorCode)
	}
	return a
}

// getUpdates polls once and returns the update IDs.
func getUpdates(t testing.TB, srv *telegramtest.Server, values url.Values) []models.Update {
	t.Helper()
	a := rawCall(t, srv, "getUpdates", values)
	require.True(t, a.OK, a.Description)
	var ups []models.Update
	require.NoError(t, json.Unmarshal(a.Result, &ups))
	return ups
}

func updateIDs(ups []models.Update) []int64 {
	ids := make([]int64, len(ups))
	for i, u := range ups {
		ids[i] = u.ID
	}
	return ids
}

// jsonCall calls a method with a JSON body.
func jsonCall(t *testing.T, srv *telegramtest.Server, method, body string) apiAnswer {
	t.Helper()
	resp, err := http.Post(srv.URL()+"/bot"+srv.Token()+"/"+method, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	var a apiAnswer
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&a))
	return a
}

func TestOtherEncodings(t *testing.T) {
	srv := newServer(t, telegramtest.Options{})
	in, err := srv.SendText(user, "hi")
	require.NoError(t, err)

	a := jsonCall(t, srv, "sendMessage", `{"chat_id": 42, "text": "json", "reply_to_message_id": 1,
		"reply_markup": {"keyboard": [[{"text": "a"}]], "resize_keyboard": true}}`)
	require.True(t, a.OK, a.Description)
	var msg models.Message
	require.NoError(t, json.Unmarshal(a.Result, &msg))
	assert.Equal(t, "json", msg.Text)
	assert.Equal(t, in.ID, msg.ReplyToMessage.ID)
	assert.Nil(t, msg.ReplyMarkup, "reply keyboards are not part of the message")

	a = jsonCall(t, srv, "sendMessage", `{"chat_id": 42, "text": "x", "reply_parameters": {"message_id": 1, "chat_id": 42}}`)
	require.True(t, a.OK, a.Description)
	a = jsonCall(t, srv, "sendMessage", `{"chat_id": 42, "text": "x", "reply_parameters": {"message_id": 1, "chat_id": 43}}`)
	assert.Equal(t, 400, a.ErrorCode)
	a = jsonCall(t, srv, "sendMessage", `{"chat_id": 42, "text": "x", "reply_markup": "{not json"}`)
	assert.Equal(t, "Bad Request: can't parse reply keyboard markup JSON object", a.Description)
	a = jsonCall(t, srv, "sendMessage", `{"chat_id": 42, "text": "x", "reply_markup": {"inline_keyboard": [[{"text": ""}]]}}`)
	assert.Equal(t, 400, a.ErrorCode)
	a = jsonCall(t, srv, "sendMessage", `[1, 2]`)
	assert.Equal(t, "Bad Request: can't parse JSON object", a.Description)
	a = jsonCall(t, srv, "sendMessage", ``)
	assert.Equal(t, "Bad Request: chat_id is empty", a.Description)

	resp, err := http.Get(srv.URL() + "/bot" + srv.Token() + "/sendMessage?chat_id=42&text=query")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "query", srv.Messages(user)[len(srv.Messages(user))-1].Text)

	a = rawCall(t, srv, "noSuchMethod", nil)
	assert.Equal(t, http.StatusNotFound, a.ErrorCode)
	assert.Equal(t, "Not Found", a.Description)
	a = rawCall(t, srv, "getUpdates", url.Values{"offset": {"x"}})
	assert.Equal(t, http.StatusBadRequest, a.ErrorCode)
	a = rawCall(t, srv, "logOut", nil)
	assert.True(t, a.OK)

	resp, err = http.Get(srv.URL() + "/elsewhere")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, err = http.Get(srv.URL() + "/bot" + srv.Token())
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}
