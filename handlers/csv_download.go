package handlers

import (
	"encoding/csv"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"
)

// csvDownload is a CSV file streamed while the Store reads its rows. The
// status and headers go out with the first bytes that leave the buffer,
// so a failure before them is still an ordinary error page; after them the
// 200 cannot be taken back, and finishCSV breaks the download off rather
// than end a short file as if it were whole.
type csvDownload struct {
	*csv.Writer
	c echo.Context
}

func newCSVDownload(c echo.Context, filename string) *csvDownload {
	return &csvDownload{Writer: csv.NewWriter(&csvResponse{c: c, filename: filename, contentType: "text/csv; charset=utf-8"}), c: c}
}

// flush sends the rows written so far, as a batch ends.
func (d *csvDownload) flush() error {
	d.Flush()
	if err := d.Error(); err != nil {
		return err
	}
	d.c.Response().Flush()
	return nil
}

// csvResponse writes the download's headers before its first bytes.
type csvResponse struct {
	c           echo.Context
	filename    string
	contentType string
}

func (r *csvResponse) Write(p []byte) (int, error) {
	res := r.c.Response()
	if !res.Committed {
		h := res.Header()
		h.Set(echo.HeaderContentType, r.contentType)
		h.Set(echo.HeaderContentDisposition, `attachment; filename="`+r.filename+`"`)
		res.WriteHeader(http.StatusOK)
	}
	return res.Write(p)
}

// finishCSV ends a download once its rows are written or reading them
// failed with err. Before anything was sent, err is returned and becomes
// the usual error page. After, the failure is logged with the request id,
// the rows read so far are sent, and the response is aborted
// (http.ErrAbortHandler, which recoverPanics passes on to net/http): the
// chunked body never gets its last chunk, so the client's download fails
// instead of saving a file that looks complete.
func (s *Server) finishCSV(d *csvDownload, err error) error {
	return s.finishDownload(d.c, d.Writer, err)
}

// bufferedWriter is a download's buffer: csv.Writer, or ndjsonDownload's.
type bufferedWriter interface {
	Flush()
	Error() error
}

// finishDownload is finishCSV for any buffered download written to c.
func (s *Server) finishDownload(c echo.Context, w bufferedWriter, err error) error {
	if err == nil {
		w.Flush()
		if err = w.Error(); err == nil {
			return nil
		}
	}
	if !c.Response().Committed {
		return err
	}
	r := c.Request()
	level := slog.LevelError
	if r.Context().Err() != nil {
		level = slog.LevelWarn // the client left: nothing is wrong here
	}
	s.log.Log(r.Context(), level, "download broken off", "request_id", c.Get(keyRequestID), "method", r.Method,
		"path", r.URL.Path, "error", err.Error())
	w.Flush() // the client may be gone; the abort follows either way
	c.Response().Flush()
	panic(http.ErrAbortHandler)
}
