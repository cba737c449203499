package models

// Page asks for one page of a list; Number starts at 1.
type Page struct {
	Number  int
	PerPage int
}

var PerPageChoices = []int{20, 50, 100}

// MaxPageNumber bounds every page number asked for, so that an offset
// (page − 1) × per page never overflows: a page past the end is empty,
// never the first page through a wrapped-around offset.
const MaxPageNumber = 1 << 31

func (p Page) normalized() Page {
	p.Number = min(max(p.Number, 1), MaxPageNumber)
	ok := false
	for _, c := range PerPageChoices {
		ok = ok || c == p.PerPage
	}
	if !ok {
		p.PerPage = PerPageChoices[0]
	}
	return p
}

func (p Page) Offset() int { p = p.normalized(); return (p.Number - 1) * p.PerPage }

// Paged is one page of results plus what pagination links need.
type Paged[T any] struct {
	Items   []T
	Total   int64
	Page    int
	PerPage int
}

func (p Paged[T]) TotalPages() int {
	if p.PerPage == 0 {
		return 1
	}
	n := int((p.Total + int64(p.PerPage) - 1) / int64(p.PerPage))
	if n < 1 {
		return 1
	}
	return n
}

func (p Paged[T]) HasNext() bool { return p.Page < p.TotalPages() }
func (p Paged[T]) HasPrev() bool { return p.Page > 1 }
