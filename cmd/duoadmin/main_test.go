package main

import (
	"os"
	"testing"

	"duoadmin/models/storetest"
)

// runMainEnv makes the test binary the duoadmin command itself, so tests
// can start a real server process (its signals, its exit) without a build.
const runMainEnv = "DUOADMIN_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	code := m.Run()
	storetest.DropTemplate()
	os.Exit(code)
}
