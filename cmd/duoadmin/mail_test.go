package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// acceptOneMail is an SMTP server that takes a single message and hands
// its DATA to the returned channel.
func acceptOneMail(t *testing.T) (port int, got <-chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan string, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		c := textproto.NewConn(nc)
		c.PrintfLine("220 test")
		for {
			line, err := c.ReadLine()
			if err != nil {
				return
			}
			verb, _, _ := strings.Cut(line, " ")
			switch strings.ToUpper(verb) {
			case "DATA":
				c.PrintfLine("354 go on")
				lines, _ := c.ReadDotLines()
				ch <- strings.Join(lines, "\n")
				c.PrintfLine("250 queued")
			case "QUIT":
				c.PrintfLine("221 bye")
				return
			default:
				c.PrintfLine("250 ok")
			}
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port, ch
}

func queueMail(t *testing.T, url string) {
	t.Helper()
	s, err := models.Open(url, storetest.Options())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.QueueEmail(context.Background(), models.OutboxEmail{ToAddress: "ada@example.com", Subject: "You have been assigned a GitLab Duo Pro seat",
		TextBody: "Hello", Kind: "seat_assigned_duo_pro"}); err != nil {
		t.Fatal(err)
	}
}

func TestMailSendDeliversWhatIsDue(t *testing.T) {
	url := tokenDB(t)
	queueMail(t, url)
	ctx := context.Background()

	t.Setenv("SMTP_HOST", "")
	if err := mailCommand(ctx, []string{"send"}, io.Discard); err == nil || !strings.Contains(err.Error(), "SMTP_HOST") {
		t.Fatalf("without SMTP_HOST: %v", err)
	}

	port, got := acceptOneMail(t)
	t.Setenv("SMTP_HOST", "127.0.0.1")
	t.Setenv("SMTP_PORT", strconv.Itoa(port))
	var out bytes.Buffer
	if err := mailCommand(ctx, []string{"send"}, &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != "sent 1, failed 0\n" {
		t.Fatalf("stdout %q", out.String())
	}
	if msg := <-got; !strings.Contains(msg, "Subject: You have been assigned a GitLab Duo Pro seat") || !strings.Contains(msg, "To: ada@example.com") {
		t.Fatalf("message %q", msg)
	}
	out.Reset()
	if err := mailCommand(ctx, []string{"send"}, &out); err != nil || out.String() != "sent 0, failed 0\n" {
		t.Fatalf("second run: %q %v", out.String(), err)
	}
}

func TestMailSendReportsFailures(t *testing.T) {
	url := tokenDB(t)
	queueMail(t, url)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens there
	t.Setenv("SMTP_HOST", "127.0.0.1")
	t.Setenv("SMTP_PORT", strconv.Itoa(port))
	var out bytes.Buffer
	if err := mailCommand(context.Background(), []string{"send"}, &out); err != nil || out.String() != "sent 0, failed 1\n" {
		t.Fatalf("relay down: %q %v", out.String(), err)
	}
}

func TestMailSenderIdlesWithoutSMTP(t *testing.T) {
	var logs bytes.Buffer
	stop := startMailSender(context.Background(), nil, SMTPConfig{}, slog.New(slog.NewTextHandler(&logs, nil)))
	stop()
	if !strings.Contains(logs.String(), "SMTP_HOST is not set") {
		t.Fatalf("logs %q", logs.String())
	}
}

func TestMailSenderDeliversAtOnceAndStops(t *testing.T) {
	url := tokenDB(t)
	queueMail(t, url)
	store, err := models.Open(url, storetest.Options())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	port, got := acceptOneMail(t)
	cfg := SMTPConfig{Host: "127.0.0.1", Port: port, From: "GitLab Duo <duo@example.com>"}
	stop := startMailSender(context.Background(), store, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	select {
	case msg := <-got:
		if !strings.Contains(msg, "To: ada@example.com") {
			t.Fatalf("message %q", msg)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the sender did not deliver on start")
	}
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("the sender did not stop")
	}
	list, err := store.ListOutbox(context.Background(), models.OutboxFilter{Pending: true}, models.Page{})
	if err != nil || list.Total != 0 {
		t.Fatalf("pending after delivery: %d %v", list.Total, err)
	}
}
