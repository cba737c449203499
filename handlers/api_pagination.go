package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
)

// GitLab's offset pagination for /api/v4 lists: page and per_page from
// the query, answered with X-* headers and a Link header.

const (
	apiDefaultPerPage = 20
	apiMaxPerPage     = 100
)

// apiPage reads page (default 1) and per_page (default 20, at most 100:
// larger values are clamped, as GitLab does).
func apiPage(c echo.Context) (page, perPage int, err error) {
	page, perPage = 1, apiDefaultPerPage
	if raw := c.QueryParam("page"); raw != "" {
		n, convErr := strconv.Atoi(raw)
		if convErr != nil {
			return 0, 0, apiFail(http.StatusBadRequest, "page is invalid")
		}
		page = min(max(n, 1), models.MaxPageNumber)
	}
	if raw := c.QueryParam("per_page"); raw != "" {
		n, convErr := strconv.Atoi(raw)
		if convErr != nil {
			return 0, 0, apiFail(http.StatusBadRequest, "per_page is invalid")
		}
		if n >= 1 {
			perPage = min(n, apiMaxPerPage)
		}
	}
	return page, perPage, nil
}

// setPaginationHeaders writes X-Total, X-Total-Pages, X-Page, X-Per-Page,
// X-Next-Page, X-Prev-Page (empty when there is none) and Link with
// rel="prev", "next", "first" and "last", in GitLab's order. A page past
// the end has no previous page, as Kaminari decides.
func setPaginationHeaders(c echo.Context, page, perPage int, total int64) {
	totalPages := int((total + int64(perPage) - 1) / int64(perPage))
	totalPages = max(totalPages, 1)
	next, prev := 0, 0
	if page < totalPages {
		next = page + 1
	}
	if page > 1 && page <= totalPages {
		prev = page - 1
	}
	h := c.Response().Header()
	h.Set("X-Total", strconv.FormatInt(total, 10))
	h.Set("X-Total-Pages", strconv.Itoa(totalPages))
	h.Set("X-Page", strconv.Itoa(page))
	h.Set("X-Per-Page", strconv.Itoa(perPage))
	h.Set("X-Next-Page", pageString(next))
	h.Set("X-Prev-Page", pageString(prev))

	req := c.Request()
	base := c.Scheme() + "://" + req.Host + req.URL.Path
	href := func(n int) string {
		q := url.Values{}
		for k, v := range req.URL.Query() {
			q[k] = v
		}
		q.Set("page", strconv.Itoa(n))
		q.Set("per_page", strconv.Itoa(perPage))
		return "<" + base + "?" + q.Encode() + ">"
	}
	var links []string
	if prev > 0 {
		links = append(links, href(prev)+`; rel="prev"`)
	}
	if next > 0 {
		links = append(links, href(next)+`; rel="next"`)
	}
	links = append(links, href(1)+`; rel="first"`, href(totalPages)+`; rel="last"`)
	h.Set("Link", strings.Join(links, ", "))
}

func pageString(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}
