package handlers

import (
	"bufio"
	"encoding/json"

	"github.com/labstack/echo/v4"
)

// ndjsonDownload is csvDownload's twin for newline-delimited JSON: one
// object a line, headers sent with the first bytes, ended by
// finishDownload (which breaks it off on a mid-stream error).
type ndjsonDownload struct {
	buf *bufio.Writer
	c   echo.Context
	err error
}

func newNDJSONDownload(c echo.Context, filename string) *ndjsonDownload {
	res := &csvResponse{c: c, filename: filename, contentType: "application/x-ndjson; charset=utf-8"}
	return &ndjsonDownload{buf: bufio.NewWriter(res), c: c}
}

// Write adds v as one line.
func (d *ndjsonDownload) Write(v any) error {
	if d.err != nil {
		return d.err
	}
	line, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := d.buf.Write(append(line, '\n')); err != nil {
		d.err = err
	}
	return d.err
}

// Flush sends what is buffered; a failure is kept for Error.
func (d *ndjsonDownload) Flush() {
	if err := d.buf.Flush(); err != nil && d.err == nil {
		d.err = err
	}
}

func (d *ndjsonDownload) Error() error { return d.err }

// flush sends the lines written so far, as a batch ends.
func (d *ndjsonDownload) flush() error {
	d.Flush()
	if d.err != nil {
		return d.err
	}
	d.c.Response().Flush()
	return nil
}
