package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzSeatsCSV: the CSV of `duoadmin seats bulk-assign` comes from
// spreadsheets; whatever it holds, reading it must not panic, and what it
// returns is usernames only: non-empty, trimmed, at most one a record.
func FuzzSeatsCSV(f *testing.F) {
	for _, seed := range []string{
		"username\nann\nbob\n",
		"\ufeffUsername,email\n ann ,a@example.com\nbob\n\n",
		"email,username\na@example.com\n,bob\n",
		"name\nann\n",
		"username\n\"ann\nbob\"\n",
		"username\n\"unterminated\n",
		"",
		"username,username\r\nann,bob\r\n",
	} {
		f.Add([]byte(seed))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "seats.csv")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		names, err := readUsernameCSV(path)
		if err != nil {
			if names != nil {
				t.Fatalf("names %q with error %v", names, err)
			}
			return
		}
		// Records are at least one byte apart, and the header is one.
		if max := bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")); len(names) > max {
			t.Fatalf("%d names from %d line breaks", len(names), max)
		}
		for _, n := range names {
			if n == "" || n != strings.TrimSpace(n) {
				t.Fatalf("name %q is empty or untrimmed", n)
			}
		}
	})
}
