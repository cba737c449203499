package webhooks

import (
	"fmt"
	"strconv"
	"time"

	"duoadmin/models"
	"duoadmin/views/components"
)

// Scope says whose hooks a page shows: Base is the list's URL, Kind the
// word GitLab uses ("system hook", "webhook").
type Scope struct {
	Base  string
	Title string // "System hooks", "Webhooks"
	Kind  string // "system hook", "webhook"
}

func (s Scope) hookPath(h *models.WebHook, suffix string) string {
	return s.Base + "/" + strconv.FormatInt(h.ID, 10) + suffix
}

// IndexProps is the list and the add form.
type IndexProps struct {
	Scope Scope
	Hooks []models.WebHook
	URL   string // the add form's posted URL; the token is never echoed
	Errs  models.FieldErrors
}

// EditProps is one hook's page: its URL and its Recent events.
type EditProps struct {
	Scope Scope
	Hook  *models.WebHook
	Logs  models.Paged[models.WebHookLog]
}

// DeleteProps is the confirmation before a hook is deleted.
type DeleteProps struct {
	Scope Scope
	Hook  *models.WebHook
}

func eventTime(t time.Time) string { return components.DateTime(t) }

func status(l models.WebHookLog) string {
	if l.StatusCode == 0 {
		return "Internal error"
	}
	return strconv.Itoa(l.StatusCode)
}

func elapsed(l models.WebHookLog) string { return fmt.Sprintf("%.2f sec", float64(l.DurationMs)/1000) }

func statusBadge(l models.WebHookLog) string {
	if l.Succeeded() {
		return "badge badge-success gl-badge"
	}
	return "badge badge-danger gl-badge"
}

const maxAttempts = models.WebHookMaxAttempts
