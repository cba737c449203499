package components

import (
	"net/url"
	"strconv"
)

// Pager describes pagination links; it keeps every other query parameter,
// so filters survive paging.
type Pager struct {
	Path       string
	Query      url.Values
	Page       int
	TotalPages int
	Total      int64
}

func (p Pager) Href(page int) string {
	q := url.Values{}
	for k, v := range p.Query {
		q[k] = append([]string(nil), v...)
	}
	q.Set("page", strconv.Itoa(page))
	return p.Path + "?" + q.Encode()
}

// Window is the page numbers to show around the current one.
func (p Pager) Window() []int {
	lo, hi := p.Page-2, p.Page+2
	if lo < 1 {
		lo = 1
	}
	if hi > p.TotalPages {
		hi = p.TotalPages
	}
	var out []int
	for i := lo; i <= hi; i++ {
		out = append(out, i)
	}
	return out
}
