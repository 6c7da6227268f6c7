package botkit

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// MaxDownloadSize is the largest file the Bot API lets bots download: 20 MB.
const MaxDownloadSize = 20 << 20

// DownloadFile fetches the file fileID: getFile through the Sender, then
// the bytes with SenderOptions.FileClient. A file above MaxDownloadSize,
// whether announced by getFile or found while reading, gives an error
// wrapping ErrFileTooLarge. Errors never contain the download URL, which
// holds the bot token, nor the token itself (see Sender.Do).
func (s *Sender) DownloadFile(ctx context.Context, fileID string) ([]byte, *models.File, error) {
	var f *models.File
	err := s.Do(ctx, "getFile", 0, Unpaced, func(ctx context.Context, _ int64) error {
		var err error
		f, err = s.bot.GetFile(ctx, &bot.GetFileParams{FileID: fileID})
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("botkit: download file: %w", err)
	}
	if f.FileSize > MaxDownloadSize {
		return nil, f, fmt.Errorf("%w: %d bytes, the limit is %d", ErrFileTooLarge, f.FileSize, MaxDownloadSize)
	}
	if f.FilePath == "" {
		return nil, f, fmt.Errorf("botkit: download file: Telegram gave no file path (the file may be too large)")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.bot.FileDownloadLink(f), nil)
	if err != nil {
		return nil, f, fmt.Errorf("botkit: download file: %w", s.red.redact(redactURL(err)))
	}
	resp, err := s.opts.FileClient.Do(req)
	if err != nil {
		return nil, f, fmt.Errorf("botkit: download file: %w", s.red.redact(redactURL(err)))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, f, fmt.Errorf("botkit: download file: HTTP %d", resp.StatusCode)
	}
	if resp.ContentLength > MaxDownloadSize {
		return nil, f, fmt.Errorf("%w: %d bytes, the limit is %d", ErrFileTooLarge, resp.ContentLength, MaxDownloadSize)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxDownloadSize+1))
	if err != nil {
		return nil, f, fmt.Errorf("botkit: download file: %w", s.red.redact(redactURL(err)))
	}
	if len(data) > MaxDownloadSize {
		return nil, f, fmt.Errorf("%w: more than %d bytes", ErrFileTooLarge, MaxDownloadSize)
	}
	return data, f, nil
}
