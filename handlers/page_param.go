package handlers

import (
	"errors"
	"strconv"
	"strings"

	"duoadmin/models"
)

// pageParam is a list's ?page= number: 1 when absent or not a number, and
// at most models.MaxPageNumber, so a huge number gives an empty page past
// the end instead of an overflowed offset.
func pageParam(raw string) int {
	raw = strings.TrimSpace(raw) // "+" in a query string is a space
	n, err := strconv.Atoi(raw)
	switch {
	case errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(raw, "-"):
		return models.MaxPageNumber // past any end, however far
	case err != nil || n < 1:
		return 1
	}
	return min(n, models.MaxPageNumber)
}
