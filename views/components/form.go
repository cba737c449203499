package components

import (
	"fmt"
	"sort"
	"strings"

	"duoadmin/models"
)

func pluralErrors(n int) string {
	if n == 1 {
		return "error"
	}
	return fmt.Sprintf("%d errors", n)
}

func sortedErrors(errs models.FieldErrors) []string {
	out := make([]string, 0, len(errs))
	for k, v := range errs {
		out = append(out, humanField(k)+" "+v)
	}
	sort.Strings(out)
	return out
}

func humanField(k string) string {
	k = strings.ReplaceAll(k, "_", " ")
	if k == "" {
		return k
	}
	return strings.ToUpper(k[:1]) + k[1:]
}

// InvalidClass marks an input whose field has an error.
func InvalidClass(errs models.FieldErrors, field string) string {
	if _, ok := errs[field]; ok {
		return "is-invalid"
	}
	return ""
}
