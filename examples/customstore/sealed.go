package main

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// ErrSealed is what a conversation turn that cannot be opened unwraps to:
// it was sealed with a key the store no longer has, or it was changed.
var ErrSealed = errors.New("sealedstore: cannot open sealed turn")

// sealedPrefix starts every sealed text: a version, so that the format can
// change, and the ID of the key that sealed it, so that keys can rotate.
const sealedPrefix = "sealed1:"

// SealedStore is a store.Store that encrypts the text of conversation turns
// at rest with AES-256-GCM and keeps everything else, and the encrypted
// turns, in another store. Whoever reads the database (a backup, a leaked
// dump) sees the users' tiers and counters, never what they said to the bot.
//
// Each turn is sealed on its own with a fresh random nonce and with its
// conversation key as additional data, so a sealed text moved to another
// conversation fails to open. The first key seals; every key opens, so
// keys rotate by putting the new key first and keeping the old one until
// the old conversations have expired.
//
// It is safe for concurrent use, as the inner store is.
type SealedStore struct {
	store.Store // every contract but Conversations passes through
	aeads       []sealer
}

type sealer struct {
	id   string // the first 8 hex digits of the key's SHA-256
	aead cipher.AEAD
}

var _ store.Store = (*SealedStore)(nil)

// NewSealedStore wraps inner. keys are 32-byte AES-256 keys, the sealing
// key first; at least one is required.
func NewSealedStore(inner store.Store, keys ...[]byte) (*SealedStore, error) {
	if inner == nil {
		return nil, errors.New("sealedstore: no inner store")
	}
	if len(keys) == 0 {
		return nil, errors.New("sealedstore: no key")
	}
	s := &SealedStore{Store: inner}
	for i, k := range keys {
		if len(k) != 32 {
			return nil, fmt.Errorf("sealedstore: key %d is %d bytes, want 32", i+1, len(k))
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("sealedstore: key %d: %w", i+1, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("sealedstore: key %d: %w", i+1, err)
		}
		sum := sha256.Sum256(k)
		s.aeads = append(s.aeads, sealer{id: hex.EncodeToString(sum[:4]), aead: aead})
	}
	return s, nil
}

// AppendTurns seals the text of each turn, then appends the turns to the
// inner store. The caller's turns are not changed.
func (s *SealedStore) AppendTurns(ctx context.Context, key string, turns ...store.Turn) error {
	if err := store.CheckTurns(key, turns); err != nil {
		return err
	}
	sealed := make([]store.Turn, len(turns))
	for i, t := range turns {
		text, err := s.seal(key, t.Text)
		if err != nil {
			return err
		}
		t.Text = text
		sealed[i] = t
	}
	return s.Store.AppendTurns(ctx, key, sealed...)
}

// RecentTurns reads the turns from the inner store and opens their text.
// A turn that cannot be opened gives an error wrapping ErrSealed.
func (s *SealedStore) RecentTurns(ctx context.Context, key string, limit int) ([]store.Turn, error) {
	turns, err := s.Store.RecentTurns(ctx, key, limit)
	if err != nil {
		return nil, err
	}
	for i := range turns {
		text, err := s.open(key, turns[i].Text)
		if err != nil {
			return nil, err
		}
		turns[i].Text = text
	}
	return turns, nil
}

// seal returns "sealed1:<key ID>:<base64 of nonce and ciphertext>".
func (s *SealedStore) seal(key, text string) (string, error) {
	sl := s.aeads[0]
	nonce := make([]byte, sl.aead.NonceSize(), sl.aead.NonceSize()+len(text)+sl.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("sealedstore: nonce: %w", err)
	}
	box := sl.aead.Seal(nonce, nonce, []byte(text), []byte(key))
	return sealedPrefix + sl.id + ":" + base64.RawStdEncoding.EncodeToString(box), nil
}

// open reverses seal with the key the text names.
func (s *SealedStore) open(key, sealed string) (string, error) {
	rest, ok := strings.CutPrefix(sealed, sealedPrefix)
	if !ok {
		return "", fmt.Errorf("%w: not sealed by this store", ErrSealed)
	}
	id, b64, ok := strings.Cut(rest, ":")
	if !ok {
		return "", fmt.Errorf("%w: malformed", ErrSealed)
	}
	for _, sl := range s.aeads {
		if sl.id != id {
			continue
		}
		box, err := base64.RawStdEncoding.DecodeString(b64)
		if err != nil || len(box) < sl.aead.NonceSize() {
			return "", fmt.Errorf("%w: malformed", ErrSealed)
		}
		plain, err := sl.aead.Open(nil, box[:sl.aead.NonceSize()], box[sl.aead.NonceSize():], []byte(key))
		if err != nil {
			return "", fmt.Errorf("%w: altered, or sealed for another conversation", ErrSealed)
		}
		return string(plain), nil
	}
	return "", fmt.Errorf("%w: sealed with key %s, which is not configured", ErrSealed, id)
}
