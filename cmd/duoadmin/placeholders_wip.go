package main

// Temporary until the import/export/demo work lands (being written now).

import (
	"context"
	"errors"

	"duoadmin/models"
)

type demoLogin struct{ Username, Password, Role string }

func loadDemoIfEmpty(ctx context.Context, s *models.Store) ([]demoLogin, error) { return nil, nil }
func runImport(ctx context.Context, args []string) error                        { return errors.New("wip") }
func runExport(ctx context.Context, args []string) error                        { return errors.New("wip") }
func runSeedDemo(ctx context.Context, args []string) error                      { return errors.New("wip") }
