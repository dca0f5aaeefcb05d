package seed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/core"
)

// Policy is a seeded access policy of an account. Document is the RAM
// policy document, written as a YAML mapping or as a JSON string.
type Policy struct {
	Account     int64    `yaml:"account"`
	Name        string   `yaml:"name"`
	Description string   `yaml:"description"`
	Document    Document `yaml:"document"`
}

// Document is a policy document as JSON text.
type Document string

// UnmarshalYAML takes a string as the JSON text itself and anything else
// (a mapping) as the document's structure.
func (d *Document) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		var s string
		if err := n.Decode(&s); err != nil {
			return err
		}
		*d = Document(s)
		return nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("policy document: %w", err)
	}
	*d = Document(b)
	return nil
}

// Group is a seeded group of sub-users with the policies attached to it.
type Group struct {
	Account  int64    `yaml:"account"`
	Name     string   `yaml:"name"`
	Policies []string `yaml:"policies"`
}

// User is a seeded sub-user: its keys, the groups it is in and the
// policies attached to it. Disabled applies when the user is created.
type User struct {
	Account  int64    `yaml:"account"`
	Name     string   `yaml:"name"`
	Disabled bool     `yaml:"disabled"`
	Keys     []Key    `yaml:"keys"`
	Groups   []string `yaml:"groups"`
	Policies []string `yaml:"policies"`
}

// applyRAM loads policies, then groups, then users. A record that exists
// (by account and name) is left as it is; memberships and attachments are
// added, which changes nothing when they are there already.
func applyRAM(ctx context.Context, svc core.Operator, f *File) error {
	for i, p := range f.Policies {
		if err := applyPolicy(ctx, svc, p); err != nil {
			return fmt.Errorf("policies[%d] (%d %s): %w", i, p.Account, p.Name, err)
		}
	}
	for i, g := range f.Groups {
		if err := applyGroup(ctx, svc, g); err != nil {
			return fmt.Errorf("groups[%d] (%d %s): %w", i, g.Account, g.Name, err)
		}
	}
	for i, u := range f.Users {
		if err := applyUser(ctx, svc, u); err != nil {
			return fmt.Errorf("users[%d] (%d %s): %w", i, u.Account, u.Name, err)
		}
	}
	return nil
}

// domainError keeps the user-safe message of a domain error.
func domainError(err error) error {
	if err == nil || imageshare.ErrorKind(err) == imageshare.KindInternal {
		return err
	}
	return errors.New(imageshare.ErrorMessage(err))
}

func applyPolicy(ctx context.Context, svc core.Operator, p Policy) error {
	if p.Account <= 0 || p.Name == "" || p.Document == "" {
		return errors.New("account, name and document are required")
	}
	if _, err := svc.FindPolicy(ctx, p.Account, p.Name); err == nil {
		return nil
	} else if !imageshare.IsKind(err, imageshare.KindNotFound) {
		return err
	}
	_, err := svc.CreatePolicy(ctx, p.Account, p.Name, p.Description, string(p.Document))
	return domainError(createdMeanwhile(err, func() error { _, err := svc.FindPolicy(ctx, p.Account, p.Name); return err }))
}

func applyGroup(ctx context.Context, svc core.Operator, g Group) error {
	if g.Account <= 0 || g.Name == "" {
		return errors.New("account and name are required")
	}
	_, err := svc.CreateGroup(ctx, g.Account, g.Name)
	if imageshare.ErrorReason(err) != imageshare.ReasonUserGroupTaken && err != nil {
		return domainError(err)
	}
	for _, p := range g.Policies {
		if err := svc.AttachPolicy(ctx, g.Account, p, imageshare.PrincipalGroup, g.Name); err != nil {
			return fmt.Errorf("policy %s: %w", p, domainError(err))
		}
	}
	return nil
}

func applyUser(ctx context.Context, svc core.Operator, u User) error {
	if u.Account <= 0 || u.Name == "" {
		return errors.New("account and name are required")
	}
	user, err := svc.FindUser(ctx, u.Account, u.Name)
	if imageshare.IsKind(err, imageshare.KindNotFound) {
		user = &imageshare.User{AccountID: u.Account, Name: u.Name, Enabled: !u.Disabled, CreatedAt: svc.Now().UTC()}
		err = svc.AddUser(ctx, user)
		if imageshare.IsKind(err, imageshare.KindConflict) {
			user, err = svc.FindUser(ctx, u.Account, u.Name) // another replica made it meanwhile
		}
	}
	if err != nil {
		return domainError(err)
	}
	for _, k := range u.Keys {
		if err := applyKey(ctx, svc, k, u.Account, user.ID, svc.Now().UTC()); err != nil {
			return err
		}
	}
	for _, g := range u.Groups {
		if err := svc.AddGroupMember(ctx, u.Account, g, u.Name); err != nil {
			return fmt.Errorf("group %s: %w", g, domainError(err))
		}
	}
	for _, p := range u.Policies {
		if err := svc.AttachPolicy(ctx, u.Account, p, imageshare.PrincipalUser, u.Name); err != nil {
			return fmt.Errorf("policy %s: %w", p, domainError(err))
		}
	}
	return nil
}
