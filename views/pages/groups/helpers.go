package groups

import "duoadmin/models"

func groupIcon(g models.Group) string {
	if g.TopLevel() {
		return "group"
	}
	return "subgroup"
}

func planTitle(p models.Plan) string {
	if t := p.Title(); t != "" {
		return t
	}
	return models.PlanFree.Title()
}

func planBadgeClass(p models.Plan) string {
	switch p {
	case models.PlanUltimate:
		return "badge-info"
	case models.PlanPremium:
		return "badge-success"
	}
	return "badge-neutral"
}

func formAction(parent *models.Group) string {
	if parent == nil {
		return "/admin/groups"
	}
	return "/groups"
}

func nameLabel(parent *models.Group) string {
	if parent == nil {
		return "Group name"
	}
	return "Subgroup name"
}

func pathLabel(parent *models.Group) string {
	if parent == nil {
		return "Group URL"
	}
	return "Subgroup slug"
}

func pathPrefix(parent *models.Group) string {
	if parent == nil {
		return "/groups/"
	}
	return "/groups/" + parent.FullPath + "/"
}

func submitLabel(parent *models.Group) string {
	if parent == nil {
		return "Create group"
	}
	return "Create subgroup"
}

// planChecked selects Free when nothing was chosen yet.
func planChecked(chosen, plan models.Plan) bool {
	if chosen == "" {
		return plan == models.PlanFree
	}
	return chosen == plan
}

func initial(name string) string {
	for _, r := range name {
		return string(r)
	}
	return "?"
}
