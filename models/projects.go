package models

import (
	"context"
	"strings"
)

func (s *Store) ProjectByID(ctx context.Context, id int64) (*Project, error) {
	return first[Project](s.q(ctx).Where("id = ?", id))
}

func (s *Store) ProjectByFullPath(ctx context.Context, fullPath string) (*Project, error) {
	return first[Project](s.q(ctx).Where("lower(full_path) = lower(?)", fullPath))
}

func (s *Store) CountProjects(ctx context.Context) (int64, error) {
	var n int64
	err := s.q(ctx).Model(&Project{}).Count(&n).Error
	return n, err
}

type ProjectInput struct {
	Path string
	Name string
}

func (s *Store) CreateProject(ctx context.Context, actor Actor, g *Group, in ProjectInput) (*Project, error) {
	in.Path, in.Name = strings.TrimSpace(in.Path), strings.TrimSpace(in.Name)
	errs := FieldErrors{}
	if in.Name == "" {
		errs.Add("name", "can't be blank")
	}
	if !validPath(in.Path, false) {
		errs.Add("path", "can contain only letters, digits, '_', '-' and '.'; cannot start with '-', end in '.', '.git' or '.atom', or be a reserved name")
	}
	if len(errs) > 0 {
		return nil, errs
	}
	p := &Project{NamespaceID: g.ID, Path: in.Path, FullPath: g.FullPath + "/" + in.Path, Name: in.Name}
	err := s.Tx(ctx, func(tx *Store) error {
		if taken, err := tx.fullPathTaken(ctx, p.FullPath); err != nil {
			return err
		} else if taken {
			return FieldErrors{"path": "has already been taken"}
		}
		// A new project starts with its group's effective GitLab Duo setting.
		group, err := tx.GroupByID(ctx, g.ID)
		if err != nil {
			return err
		}
		st, err := tx.GroupDuo(ctx, group)
		if err != nil {
			return err
		}
		if err := tx.q(ctx).Create(p).Error; err != nil {
			return err
		}
		// The column defaults to on; gorm cannot insert an explicit false for it.
		p.DuoFeaturesEnabled = st.Resolution.Enabled
		if !p.DuoFeaturesEnabled {
			if err := tx.q(ctx).Model(&Project{}).Where("id = ?", p.ID).Update("duo_features_enabled", false).Error; err != nil {
				return err
			}
		}
		nsID := g.RootID()
		return tx.Audit(ctx, actor, AuditEntry{Action: "project_created", TargetType: "Project", TargetID: p.ID,
			TargetName: p.FullPath, NamespaceID: &nsID, Details: map[string]any{"duo_features_enabled": p.DuoFeaturesEnabled}})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}
