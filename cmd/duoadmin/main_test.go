package main

import (
	"os"
	"testing"

	"duoadmin/models/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	storetest.DropTemplate()
	os.Exit(code)
}
