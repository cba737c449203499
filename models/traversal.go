package models

import (
	"strconv"
	"strings"
)

func traversalPathOf(parent *Group, id int64) string {
	prefix := ""
	if parent != nil {
		prefix = parent.TraversalPath
	}
	return prefix + strconv.FormatInt(id, 10) + "/"
}

func parseTraversalPath(p string) []int64 {
	var ids []int64
	for _, part := range strings.Split(strings.TrimSuffix(p, "/"), "/") {
		if id, err := strconv.ParseInt(part, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// subtreeRange gives the bounds [lo, hi) that select a group and all its
// descendants by traversal_path: '0' is the byte after '/'.
func subtreeRange(traversalPath string) (lo, hi string) {
	return traversalPath, strings.TrimSuffix(traversalPath, "/") + "0"
}

// SubtreeRange is the group's subtree bounds, as subtreeRange gives them.
func (g *Group) SubtreeRange() (lo, hi string) { return subtreeRange(g.TraversalPath) }

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
