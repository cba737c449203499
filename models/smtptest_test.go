package models_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"duoadmin/models/mail"
)

// smtpServer is a real SMTP listener on 127.0.0.1, just enough of RFC 5321
// for net/smtp: EHLO/HELO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
// It records every accepted message and can play a relay that is down.
type smtpServer struct {
	t  *testing.T
	ln net.Listener

	mu       sync.Mutex
	mode     smtpMode
	user     string // when set, AUTH PLAIN is offered and required
	password string
	tls      *tls.Config // when set, STARTTLS is offered
	messages []smtpMessage
	sessions int
	wg       sync.WaitGroup
}

type smtpMode int

const (
	smtpUp smtpMode = iota
	// smtpDown greets with 421 and hangs up, as a relay that is going away.
	smtpDown
	// smtpTempFail accepts the connection but answers MAIL with 451.
	smtpTempFail
)

type smtpMessage struct {
	From string
	To   []string
	Data string
	TLS  bool // received after STARTTLS
}

func newSMTPServer(t *testing.T) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{t: t, ln: ln}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

// mailer is an SMTP client pointed at this server.
func (s *smtpServer) mailer() mail.SMTP {
	addr := s.ln.Addr().(*net.TCPAddr)
	return mail.SMTP{Host: "127.0.0.1", Port: addr.Port, Username: s.user, Password: s.password,
		From: "GitLab Duo <duo@example.com>"}
}

func (s *smtpServer) setMode(m smtpMode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mode = m
}

func (s *smtpServer) requireAuth(user, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user, s.password = user, password
}

func (s *smtpServer) received() []smtpMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]smtpMessage(nil), s.messages...)
}

func (s *smtpServer) sessionCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

func (s *smtpServer) accept() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() { conn.Close() }()
			s.serve(&conn)
		}()
	}
}

// serve runs one session; after STARTTLS *nc is the TLS connection.
func (s *smtpServer) serve(nc *net.Conn) {
	s.mu.Lock()
	s.sessions++
	mode, user, password, tlsCfg := s.mode, s.user, s.password, s.tls
	s.mu.Unlock()
	c := textproto.NewConn(*nc)
	secure := false
	reply := func(format string, args ...any) bool { return c.PrintfLine(format, args...) == nil }
	if mode == smtpDown {
		reply("421 4.3.2 Service not available, closing transmission channel")
		return
	}
	reply("220 127.0.0.1 ESMTP test")
	var cur smtpMessage
	authed := user == ""
	for {
		line, err := c.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			ext := []string{"127.0.0.1 hello " + arg}
			if tlsCfg != nil && !secure {
				ext = append(ext, "STARTTLS")
			}
			if user != "" {
				ext = append(ext, "AUTH PLAIN")
			}
			for i, e := range ext {
				sep := "-"
				if i == len(ext)-1 {
					sep = " "
				}
				reply("250%s%s", sep, e)
			}
		case "STARTTLS":
			if tlsCfg == nil || secure {
				reply("502 5.5.1 STARTTLS not available")
				continue
			}
			reply("220 2.0.0 Ready to start TLS")
			tc := tls.Server(*nc, tlsCfg)
			if err := tc.Handshake(); err != nil {
				return
			}
			*nc, c, secure = tc, textproto.NewConn(tc), true
			cur, authed = smtpMessage{}, user == ""
		case "HELO":
			reply("250 127.0.0.1")
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			raw, _ := base64.StdEncoding.DecodeString(resp)
			if strings.EqualFold(mech, "PLAIN") && string(raw) == "\x00"+user+"\x00"+password {
				authed = true
				reply("235 2.7.0 Authentication successful")
			} else {
				reply("535 5.7.8 Authentication credentials invalid")
			}
		case "MAIL":
			switch {
			case !authed:
				reply("530 5.7.0 Authentication required")
			case mode == smtpTempFail:
				reply("451 4.3.0 Mailbox temporarily unavailable")
			default:
				cur = smtpMessage{From: addrArg(arg), TLS: secure}
				reply("250 2.1.0 Ok")
			}
		case "RCPT":
			if cur.From == "" {
				reply("503 5.5.1 Need MAIL first")
				continue
			}
			cur.To = append(cur.To, addrArg(arg))
			reply("250 2.1.5 Ok")
		case "DATA":
			if len(cur.To) == 0 {
				reply("503 5.5.1 Need RCPT first")
				continue
			}
			reply("354 End data with <CR><LF>.<CR><LF>")
			data, err := readDot(c)
			if err != nil {
				return
			}
			cur.Data = data
			s.mu.Lock()
			s.messages = append(s.messages, cur)
			s.mu.Unlock()
			cur = smtpMessage{}
			reply("250 2.0.0 Ok: queued")
		case "RSET":
			cur = smtpMessage{}
			reply("250 2.0.0 Ok")
		case "NOOP":
			reply("250 2.0.0 Ok")
		case "QUIT":
			reply("221 2.0.0 Bye")
			return
		default:
			reply("502 5.5.2 Command not recognized")
		}
	}
}

// readDot reads a DATA body, undoing dot-stuffing and keeping CRLF.
func readDot(c *textproto.Conn) (string, error) {
	var b strings.Builder
	for {
		line, err := c.ReadLine()
		if err != nil {
			return "", err
		}
		if line == "." {
			return b.String(), nil
		}
		fmt.Fprintf(&b, "%s\r\n", strings.TrimPrefix(line, "."))
	}
}

// addrArg turns "FROM:<a@b> SIZE=1" into "a@b".
func addrArg(arg string) string {
	_, v, _ := strings.Cut(arg, ":")
	v, _, _ = strings.Cut(strings.TrimSpace(v), " ")
	return strings.Trim(v, "<>")
}

// offerTLS makes the server offer STARTTLS with a fresh self-signed
// certificate for 127.0.0.1, and returns a client config that trusts it.
func (s *smtpServer) offerTLS() *tls.Config {
	s.t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		s.t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		s.t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	s.mu.Lock()
	s.tls = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	s.mu.Unlock()
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}
