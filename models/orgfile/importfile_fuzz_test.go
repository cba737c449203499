package orgfile_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"duoadmin/models/orgfile"
)

// FuzzParseDocument: the import parser reads files people edit by hand, so
// no input may panic it, and every problem it reports must say where: a
// JSON path (users[3].email) or a line and column. Only the two messages
// about the whole document have nowhere narrower to point.
func FuzzParseDocument(f *testing.F) {
	for _, seed := range []string{
		``,
		`{}`,
		`[]`,
		`{"users":[{"username":"ada","email":"ada@example.com","admin":true}]}`,
		`{"users":[null]}`,
		`{"users":[{"username":1}]}`,
		`{"groups":[{"path":"acme","plan":"ultimate"}],"projects":[{"path":"acme/backend"}]}`,
		`{"instance":{"duo_availability":"default_on"}}`,
		`{"unknown":1}`,
		`{"users":[{"username":"a"}]} trailing`,
		`{"users":`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// A hang is a failure too; the panic makes the fuzzer keep the input.
		stop := time.AfterFunc(5*time.Second, func() { panic(fmt.Sprintf("ParseDocument still running after 5s on %d bytes", len(data))) })
		doc, err := orgfile.ParseDocument("in.json", bytes.NewReader(data))
		stop.Stop()
		if err == nil {
			if doc == nil {
				t.Fatal("no error and no document")
			}
			return
		}
		if doc != nil {
			t.Fatal("a document came back with an error")
		}
		var ie *orgfile.ImportErrors
		if !errors.As(err, &ie) {
			t.Fatalf("error is %T, want *orgfile.ImportErrors: %v", err, err)
		}
		if len(ie.Problems) == 0 {
			t.Fatal("ImportErrors without problems")
		}
		for i, p := range ie.Problems {
			if p.Path == "" && p.Message != "must be an object" && !strings.HasPrefix(p.Message, "empty file") {
				t.Errorf("problem %q has no path", p.Message)
			}
			if line := ie.Lines()[i]; !strings.HasPrefix(line, "in.json: ") {
				t.Errorf("line %q does not name the file", line)
			}
		}
	})
}
