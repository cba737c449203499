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

// fieldAcronyms are written as GitLab writes them in messages.
var fieldAcronyms = map[string]string{"ai": "AI", "api": "API", "url": "URL", "id": "ID", "ids": "IDs",
	"csv": "CSV", "smtp": "SMTP", "sso": "SSO", "ide": "IDE", "duo": "Duo", "dn": "DN", "ldap": "LDAP"}

// humanField turns a form field name into the words of an error summary:
// "ai_gateway_url" is "AI gateway URL".
func humanField(k string) string {
	words := strings.Fields(strings.ReplaceAll(k, "_", " "))
	for i, w := range words {
		if a, ok := fieldAcronyms[w]; ok {
			words[i] = a
		} else if i == 0 {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// InvalidClass marks an input whose field has an error.
func InvalidClass(errs models.FieldErrors, field string) string {
	if _, ok := errs[field]; ok {
		return "is-invalid"
	}
	return ""
}
