package telegramtest

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-telegram/bot/models"
)

// maxDownload is the largest file a bot may download through getFile.
const maxDownload = 20 << 20

// file is a stored file the bot can fetch.
type file struct {
	id, unique, path string
	data             []byte
}

// addFileLocked stores data under a new file_id and a path in dir.
func (s *Server) addFileLocked(data []byte, dir, name string) *file {
	s.nextFile++
	n := strconv.Itoa(s.nextFile)
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		ext = name[i:]
	}
	f := &file{id: "file-" + n, unique: "uniq-" + n, path: dir + "/file_" + n + ext, data: data}
	s.files[f.id] = f
	return f
}

// photoLocked stores a photo and returns its sizes, as Telegram lists them.
func (s *Server) photoLocked(data []byte) []models.PhotoSize {
	w, h := 4, 3
	if data == nil {
		data = generatedPNG(w, h)
	} else if cfg, err := png.DecodeConfig(bytes.NewReader(data)); err == nil {
		w, h = cfg.Width, cfg.Height
	}
	f := s.addFileLocked(data, "photos", "photo.png")
	return []models.PhotoSize{{FileID: f.id, FileUniqueID: f.unique, Width: w, Height: h, FileSize: len(data)}}
}

// generatedPNG draws a small valid PNG image.
func generatedPNG(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{R: uint8(60 * x), G: uint8(80 * y), B: 200, A: 255})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

// inputFile resolves a photo or document argument: an upload, or the
// file_id of a stored file.
func (s *Server) inputFileLocked(p params, key, dir string) (*file, *apiError) {
	if up, ok := p.files[key]; ok {
		if len(up.data) == 0 {
			return nil, badRequest("file must be non-empty")
		}
		return s.addFileLocked(up.data, dir, up.name), nil
	}
	ref := p.str(key)
	if name, ok := strings.CutPrefix(ref, "attach://"); ok {
		up, found := p.files[name]
		if !found {
			return nil, badRequest("wrong file identifier/HTTP URL specified")
		}
		return s.addFileLocked(up.data, dir, up.name), nil
	}
	if f, ok := s.files[ref]; ok {
		return f, nil
	}
	if ref == "" {
		return nil, badRequest("there is no " + key + " in the request")
	}
	return nil, badRequest("wrong file identifier/HTTP URL specified")
}

func (s *Server) sendPhoto(p params, call *Call) (any, *apiError) {
	return s.sendMedia(p, call, "photo")
}

func (s *Server) sendDocument(p params, call *Call) (any, *apiError) {
	return s.sendMedia(p, call, "document")
}

// sendMedia serves sendPhoto and sendDocument.
func (s *Server) sendMedia(p params, call *Call, kind string) (any, *apiError) {
	o, e := s.prepareSendLocked(p, call, "caption", captionBody)
	if e != nil {
		return nil, e
	}
	f, e := s.inputFileLocked(p, kind, kind+"s")
	if e != nil {
		return nil, e
	}
	if e := s.paceLocked(o.c, call.Method); e != nil {
		return nil, e
	}
	m := o.message(s)
	m.msg.Caption, m.msg.CaptionEntities = o.text, o.ents
	if kind == "photo" {
		w, h := 0, 0
		if cfg, err := png.DecodeConfig(bytes.NewReader(f.data)); err == nil {
			w, h = cfg.Width, cfg.Height
		}
		m.msg.Photo = []models.PhotoSize{{FileID: f.id, FileUniqueID: f.unique, Width: w, Height: h, FileSize: len(f.data)}}
	} else {
		name := p.files[kind].name
		m.msg.Document = &models.Document{FileID: f.id, FileUniqueID: f.unique, FileName: name, FileSize: int64(len(f.data))}
	}
	return o.add(m), nil
}

func (s *Server) getFile(p params, call *Call) (any, *apiError) {
	f, ok := s.files[p.str("file_id")]
	if !ok {
		return nil, badRequest("invalid file_id")
	}
	call.Text = f.id
	if len(f.data) > maxDownload {
		return nil, badRequest("file is too big")
	}
	return &models.File{FileID: f.id, FileUniqueID: f.unique, FileSize: int64(len(f.data)), FilePath: f.path}, nil
}

// FileContent returns the bytes stored under a file_id.
func (s *Server) FileContent(fileID string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.files[fileID]
	if !ok {
		return nil, false
	}
	return bytes.Clone(f.data), true
}

// serveFile serves /file/bot{token}/{file_path}.
func (s *Server) serveFile(w http.ResponseWriter, _ *http.Request, rest string) {
	token, path, ok := strings.Cut(rest, "/")
	if !ok || !s.tokenOK(token) {
		writeError(w, &apiError{code: http.StatusUnauthorized, desc: "Unauthorized"})
		return
	}
	s.mu.Lock()
	var found *file
	for _, f := range s.files {
		if f.path == path {
			found = f
			break
		}
	}
	s.mu.Unlock()
	if found == nil {
		writeError(w, &apiError{code: http.StatusNotFound, desc: "Not Found"})
		return
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(found.data)))
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(found.data)
}
