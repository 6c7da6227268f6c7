package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// maxRequestBody bounds what the server reads of one call; Telegram takes
// uploads of up to 50 MB.
const maxRequestBody = 50 << 20

// params holds one call's arguments the way the Bot API receives them:
// strings as they are, everything else as JSON text.
type params struct {
	values map[string]string
	files  map[string]upload
}

type upload struct {
	name string
	data []byte
}

// parseParams reads the query string and a multipart, urlencoded or JSON
// body, the encodings the Bot API accepts.
func parseParams(r *http.Request) (params, error) {
	p := params{values: map[string]string{}, files: map[string]upload{}}
	for k, v := range r.URL.Query() {
		p.values[k] = v[0]
	}
	if r.Body == nil || r.Method == http.MethodGet {
		return p, nil
	}
	r.Body = http.MaxBytesReader(nil, r.Body, maxRequestBody)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(maxRequestBody); err != nil {
			if errors.Is(err, io.EOF) {
				return p, nil // a call without parameters sends an empty form
			}
			return p, fmt.Errorf("can't parse multipart body: %w", err)
		}
		for k, v := range r.MultipartForm.Value {
			p.values[k] = v[0]
		}
		for k, fhs := range r.MultipartForm.File {
			f, err := fhs[0].Open()
			if err != nil {
				return p, fmt.Errorf("can't read file %q: %w", k, err)
			}
			data, err := io.ReadAll(f)
			_ = f.Close()
			if err != nil {
				return p, fmt.Errorf("can't read file %q: %w", k, err)
			}
			p.files[k] = upload{name: fhs[0].Filename, data: data}
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return p, fmt.Errorf("can't parse form body: %w", err)
		}
		for k, v := range r.PostForm {
			p.values[k] = v[0]
		}
	case "application/json":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return p, fmt.Errorf("can't read body: %w", err)
		}
		if len(bytes.TrimSpace(body)) == 0 {
			return p, nil
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			return p, errors.New("can't parse JSON object")
		}
		for k, raw := range m {
			var str string
			if json.Unmarshal(raw, &str) == nil {
				p.values[k] = str
			} else {
				p.values[k] = string(raw)
			}
		}
	}
	return p, nil
}

func (p params) has(key string) bool {
	_, ok := p.values[key]
	return ok
}

func (p params) str(key string) string { return p.values[key] }

// int64 parses an integer argument; absent arguments are 0 with ok true.
func (p params) int64(key string) (int64, bool) {
	v, ok := p.values[key]
	if !ok || v == "" {
		return 0, true
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	return n, err == nil
}

func (p params) int(key string) (int, bool) {
	n, ok := p.int64(key)
	return int(n), ok
}

func (p params) bool(key string) bool {
	b, _ := strconv.ParseBool(p.values[key])
	return b
}

// json decodes a JSON argument into dst; absent arguments leave dst alone.
func (p params) json(key string, dst any) error {
	v, ok := p.values[key]
	if !ok || v == "" {
		return nil
	}
	return json.Unmarshal([]byte(v), dst)
}
