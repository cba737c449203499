package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// Message is one mail to deliver.
type Message struct {
	To       string
	Subject  string
	TextBody string
	HTMLBody string // optional: an HTML alternative to TextBody
	// ID is the local part of the Message-ID, so a retried mail keeps its
	// identity; "" draws a random one.
	ID string
}

// SMTP speaks SMTP to a relay: STARTTLS whenever the server offers
// it, AUTH PLAIN when a username is set (net/smtp refuses to send the
// password in clear text except to localhost), implicit TLS on port 465.
type SMTP struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string // "Name <address>", the From header and envelope sender
	// Timeout bounds one whole delivery; zero means 30 s.
	Timeout time.Duration
	// TLSConfig overrides the default (verify Host); tests and private CAs.
	TLSConfig *tls.Config
}

func (m SMTP) Addr() string { return net.JoinHostPort(m.Host, strconv.Itoa(m.Port)) }

func (m SMTP) Deliver(ctx context.Context, e Message) error {
	from, err := netmail.ParseAddress(m.From)
	if err != nil {
		return fmt.Errorf("SMTP_FROM: %w", err)
	}
	to, err := netmail.ParseAddress(e.To)
	if err != nil {
		return fmt.Errorf("recipient %q: %w", e.To, err)
	}
	msg, err := Render(e, from, time.Now())
	if err != nil {
		return err
	}
	timeout := m.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := m.dial(ctx)
	if err != nil {
		return err
	}
	// net/smtp has no context: the deadline bounds every read and write,
	// and a cancelled context closes the connection under it.
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c, err := smtp.NewClient(conn, m.Host)
	if err != nil {
		conn.Close()
		return smtpErr(ctx, err)
	}
	defer c.Close()
	if err := m.send(c, from.Address, to.Address, msg); err != nil {
		return smtpErr(ctx, err)
	}
	return nil
}

func (m SMTP) dial(ctx context.Context) (net.Conn, error) {
	d := &net.Dialer{}
	if m.Port == 465 {
		td := &tls.Dialer{NetDialer: d, Config: m.tlsConfig()}
		return td.DialContext(ctx, "tcp", m.Addr())
	}
	return d.DialContext(ctx, "tcp", m.Addr())
}

func (m SMTP) tlsConfig() *tls.Config {
	if m.TLSConfig != nil {
		return m.TLSConfig
	}
	return &tls.Config{ServerName: m.Host, MinVersion: tls.VersionTLS12}
}

func (m SMTP) send(c *smtp.Client, from, to string, msg []byte) error {
	if err := c.Hello("localhost"); err != nil {
		return err
	}
	if ok, _ := c.Extension("STARTTLS"); ok && m.Port != 465 {
		if err := c.StartTLS(m.tlsConfig()); err != nil {
			return err
		}
	}
	if m.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password, m.Host)); err != nil {
			return err
		}
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// smtpErr prefers the timeout or cancellation over the "use of closed
// connection" it causes.
func smtpErr(ctx context.Context, err error) error {
	if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return err
}

// Render writes the RFC 5322 message: text/plain and text/html
// alternatives, quoted-printable, CRLF line ends.
func Render(e Message, from *netmail.Address, date time.Time) ([]byte, error) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	hdr := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, headerSafe(v)) }
	hdr("From", from.String())
	hdr("To", e.To)
	hdr("Subject", mime.QEncoding.Encode("utf-8", e.Subject))
	hdr("Date", date.Format(time.RFC1123Z))
	hdr("Message-ID", messageID(e, from.Address))
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "multipart/alternative; boundary=\""+mw.Boundary()+"\"")
	b.WriteString("\r\n")
	parts := []struct{ typ, body string }{{"text/plain", e.TextBody}}
	if e.HTMLBody != "" {
		parts = append(parts, struct{ typ, body string }{"text/html", e.HTMLBody})
	}
	for _, p := range parts {
		pw, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {p.typ + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		qw := quotedprintable.NewWriter(pw)
		// In text mode the writer turns every line break into CRLF.
		if _, err := qw.Write([]byte(p.body)); err != nil {
			return nil, err
		}
		if err := qw.Close(); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// headerSafe drops line breaks, so no value can start a header of its own.
func headerSafe(v string) string {
	return strings.NewReplacer("\r", "", "\n", " ").Replace(v)
}

func messageID(e Message, fromAddr string) string {
	domain := "duoadmin.invalid"
	if i := strings.LastIndexByte(fromAddr, '@'); i >= 0 && i < len(fromAddr)-1 {
		domain = fromAddr[i+1:]
	}
	if e.ID == "" {
		var r [12]byte
		rand.Read(r[:])
		return "<" + hex.EncodeToString(r[:]) + "@" + domain + ">"
	}
	return "<" + e.ID + "@" + domain + ">"
}
