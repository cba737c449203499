package main

import (
	"net"
	"net/textproto"
	"strings"
	"sync"
)

// smtpSink is an SMTP relay on loopback that accepts every message and
// counts them by Message-ID, so a mail sent twice shows.
type smtpSink struct {
	ln       net.Listener
	mu       sync.Mutex
	received map[string]int // Message-ID -> deliveries
	total    int
	wg       sync.WaitGroup
}

func newSMTPSink() (*smtpSink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &smtpSink{ln: ln, received: map[string]int{}}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

func (s *smtpSink) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *smtpSink) close() {
	s.ln.Close()
	s.wg.Wait()
}

// counts is how many messages arrived, how many distinct, and how many
// more than once.
func (s *smtpSink) counts() (total, distinct, duplicated int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.received {
		if n > 1 {
			duplicated++
		}
	}
	return s.total, len(s.received), duplicated
}

func (s *smtpSink) accept() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer conn.Close()
			s.serve(textproto.NewConn(conn))
		}()
	}
}

// serve speaks just enough SMTP for net/smtp: no STARTTLS, no AUTH.
func (s *smtpSink) serve(c *textproto.Conn) {
	if c.PrintfLine("220 127.0.0.1 duobench") != nil {
		return
	}
	for {
		line, err := c.ReadLine()
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.Fields(line + " x")[0])
		switch verb {
		case "EHLO", "HELO":
			err = c.PrintfLine("250 127.0.0.1")
		case "DATA":
			if err = c.PrintfLine("354 go ahead"); err != nil {
				return
			}
			lines, rerr := c.ReadDotLines()
			if rerr != nil {
				return
			}
			id := ""
			for _, l := range lines {
				if v, ok := strings.CutPrefix(l, "Message-ID:"); ok {
					id = strings.TrimSpace(v)
					break
				}
				if l == "" {
					break
				}
			}
			s.mu.Lock()
			s.received[id]++
			s.total++
			s.mu.Unlock()
			err = c.PrintfLine("250 queued")
		case "QUIT":
			_ = c.PrintfLine("221 bye")
			return
		default:
			err = c.PrintfLine("250 ok")
		}
		if err != nil {
			return
		}
	}
}
