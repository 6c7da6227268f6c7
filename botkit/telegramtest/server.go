package telegramtest

import (
	"crypto/subtle"
	"encoding/json"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"
)

// Server is an in-process fake of the Telegram Bot API, served over loopback
// HTTP by an httptest.Server. Point the real client at URL with
// bot.WithServerURL. Create one with New and stop it with Close.
//
// A Server is safe for concurrent use.
type Server struct {
	opts  Options
	botID int64
	http  *httptest.Server

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change
	closed  chan struct{}
	closing bool
	wg      sync.WaitGroup
	rnd     *rand.Rand

	chats        map[int64]*chat
	usernames    map[string]int64
	updates      []*models.Update
	nextUpdateID int64
	allowed      []string
	polling      bool
	polls        int
	webhook      *webhook
	pushing      bool
	deliveries   []WebhookDelivery
	calls        []Call
	forgotten    int // calls dropped from the front of calls (MaxCallLog)
	files        map[string]*file
	nextFile     int
	callbacks    map[string]*callbackQuery
	nextCallback int
	commands     map[string][]models.BotCommand

	pace         pacer
	limited      []RateLimit
	earlyRetries int
	faults       []*faultState
}

// New starts a Server on a loopback port.
func New(opts Options) *Server {
	opts = opts.withDefaults()
	id, _ := strconv.ParseInt(strings.SplitN(opts.Token, ":", 2)[0], 10, 64)
	s := &Server{
		opts:         opts,
		botID:        id,
		changed:      make(chan struct{}),
		closed:       make(chan struct{}),
		rnd:          rand.New(rand.NewSource(opts.Seed)),
		chats:        map[int64]*chat{},
		usernames:    map[string]int64{},
		nextUpdateID: 1,
		files:        map[string]*file{},
		callbacks:    map[string]*callbackQuery{},
		commands:     map[string][]models.BotCommand{},
	}
	s.pace = newPacer(opts.Pacing)
	s.http = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// URL is the base URL to pass to bot.WithServerURL.
func (s *Server) URL() string { return s.http.URL }

// Token is the token the server accepts.
func (s *Server) Token() string { return s.opts.Token }

// Bot is the bot's own user, as getMe reports it.
func (s *Server) Bot() models.User {
	return models.User{
		ID:            s.botID,
		IsBot:         true,
		FirstName:     "Test Bot",
		Username:      s.opts.BotUsername,
		CanJoinGroups: true,
	}
}

// Close wakes every waiting long poll and slow answer, stops webhook
// delivery and shuts the HTTP server down. It is safe to call more than once.
func (s *Server) Close() {
	s.mu.Lock()
	if !s.closing {
		s.closing = true
		close(s.closed)
		s.webhook = nil
		s.notifyLocked()
	}
	s.mu.Unlock()
	s.http.CloseClientConnections()
	s.http.Close()
	s.wg.Wait()
}

// notifyLocked wakes everyone waiting for a change. s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) now() time.Time { return s.opts.Now() }

// apiError is a failed call as Telegram reports it.
type apiError struct {
	code       int
	desc       string
	retryAfter int
	migrateTo  int64
}

func badRequest(desc string) *apiError {
	return &apiError{code: http.StatusBadRequest, desc: "Bad Request: " + desc}
}

type responseParameters struct {
	RetryAfter      int   `json:"retry_after,omitempty"`
	MigrateToChatID int64 `json:"migrate_to_chat_id,omitempty"`
}

type response struct {
	OK          bool                `json:"ok"`
	Result      any                 `json:"result,omitempty"`
	ErrorCode   int                 `json:"error_code,omitempty"`
	Description string              `json:"description,omitempty"`
	Parameters  *responseParameters `json:"parameters,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, e *apiError) {
	resp := response{ErrorCode: e.code, Description: e.desc}
	if e.retryAfter > 0 || e.migrateTo != 0 {
		resp.Parameters = &responseParameters{RetryAfter: e.retryAfter, MigrateToChatID: e.migrateTo}
	}
	writeJSON(w, e.code, resp)
}

// handler serves one Bot API method. It runs with s.mu held and returns
// the result or an error; c records what the call did.
type handler func(s *Server, p params, c *Call) (any, *apiError)

var handlers map[string]handler

func init() {
	handlers = map[string]handler{
		"getme":               (*Server).getMe,
		"logout":              (*Server).trueResult,
		"close":               (*Server).trueResult,
		"setwebhook":          (*Server).setWebhook,
		"deletewebhook":       (*Server).deleteWebhook,
		"getwebhookinfo":      (*Server).getWebhookInfo,
		"sendmessage":         (*Server).sendMessage,
		"editmessagetext":     (*Server).editMessageText,
		"sendmessagedraft":    (*Server).sendMessageDraft,
		"sendchataction":      (*Server).sendChatAction,
		"deletemessage":       (*Server).deleteMessage,
		"sendphoto":           (*Server).sendPhoto,
		"senddocument":        (*Server).sendDocument,
		"getfile":             (*Server).getFile,
		"answercallbackquery": (*Server).answerCallbackQuery,
		"setmycommands":       (*Server).setMyCommands,
		"getmycommands":       (*Server).getMyCommands,
		"deletemycommands":    (*Server).deleteMyCommands,
	}
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, "/file/bot"); ok {
		s.serveFile(w, r, rest)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	if !ok {
		writeError(w, &apiError{code: http.StatusNotFound, desc: "Not Found"})
		return
	}
	token, method, ok := strings.Cut(rest, "/")
	if !ok || !s.tokenOK(token) {
		writeError(w, &apiError{code: http.StatusUnauthorized, desc: "Unauthorized"})
		return
	}
	name := strings.ToLower(method)
	p, err := parseParams(r)
	if err != nil {
		writeError(w, badRequest(err.Error()))
		return
	}
	h, ok := handlers[name]
	if !ok && name != "getupdates" {
		writeError(w, &apiError{code: http.StatusNotFound, desc: "Not Found"})
		return
	}
	call := Call{Method: method}
	call.ChatID = s.chatIDOf(p.str("chat_id"))
	call.ThreadID, _ = p.int("message_thread_id")
	if f := s.fault(method, call.ChatID); f != nil {
		if answered := s.applyFault(w, r, f, &call); answered {
			return
		}
	}
	if name == "getupdates" {
		s.getUpdates(w, r, p)
		return
	}
	s.mu.Lock()
	call.At = s.now()
	result, apiErr := h(s, p, &call)
	if apiErr != nil {
		call.Status = apiErr.code
		call.Error = apiErr.desc
		call.RetryAfter = apiErr.retryAfter
	} else {
		call.Status = http.StatusOK
	}
	s.recordLocked(call)
	s.mu.Unlock()
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	writeJSON(w, http.StatusOK, response{OK: true, Result: result})
}

func (s *Server) tokenOK(token string) bool {
	return subtle.ConstantTimeCompare([]byte(token), []byte(s.opts.Token)) == 1
}

func (s *Server) getMe(_ params, _ *Call) (any, *apiError) {
	u := s.Bot()
	return &u, nil
}

func (s *Server) trueResult(_ params, _ *Call) (any, *apiError) { return true, nil }

// chatIDOf resolves a chat_id argument, numeric or @username, to an ID;
// 0 when it names no chat.
func (s *Server) chatIDOf(raw string) int64 {
	raw = strings.TrimSpace(raw)
	if name, ok := strings.CutPrefix(raw, "@"); ok {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.usernames[strings.ToLower(name)]
	}
	id, _ := strconv.ParseInt(raw, 10, 64)
	return id
}
