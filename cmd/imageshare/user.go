package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/imageshare/imageshare"
)

// Sub-users and their groups (docs/ram.md):
//
//	imageshare user create --account ID --name NAME [--json]   prints the user's first key pair
//	imageshare user key --account ID --name NAME [--json]      issues another key pair
//	imageshare user list --account ID [--json]
//	imageshare user disable|enable --account ID --name NAME
//	imageshare group create --account ID --name NAME
//	imageshare group add|remove --account ID --group NAME --user NAME
//	imageshare group list --account ID [--json]

type userJSON struct {
	ID         int64     `json:"id"`
	AccountID  int64     `json:"account_id"`
	Name       string    `json:"name"`
	Enabled    bool      `json:"enabled"`
	CreatedAt  time.Time `json:"created_at"`
	PublicKey  string    `json:"public_key,omitempty"`
	PrivateKey string    `json:"private_key,omitempty"`
}

func toUserJSON(u *imageshare.User, k *imageshare.AccessKey) userJSON {
	out := userJSON{ID: u.ID, AccountID: u.AccountID, Name: u.Name, Enabled: u.Enabled, CreatedAt: u.CreatedAt}
	if k != nil {
		out.PublicKey, out.PrivateKey = k.PublicKey, k.PrivateKey
	}
	return out
}

// ramFlags are the flags of the user, group and policy commands.
type ramFlags struct {
	fs      *flag.FlagSet
	db      *string
	account *int64
	asJSON  *bool
}

func newRAMFlags(name string, stderr io.Writer) *ramFlags {
	fs := newFlagSet(name, stderr)
	return &ramFlags{
		fs:      fs,
		db:      dbFlag(fs),
		account: fs.Int64("account", 0, "id of the account the records belong to"),
		asJSON:  fs.Bool("json", false, "print JSON"),
	}
}

// parse parses args and requires --account unless optionalAccount.
func (f *ramFlags) parse(args []string, optionalAccount bool) error {
	if err := f.fs.Parse(args); err != nil {
		return err
	}
	if f.fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q (every input is a flag)", f.fs.Name(), f.fs.Arg(0))
	}
	if *f.account <= 0 && !optionalAccount {
		return fmt.Errorf("%s: --account is required", f.fs.Name())
	}
	return nil
}

// required fails unless every named flag value is non-empty.
func required(cmd string, flags map[string]*string) error {
	for name, v := range flags {
		if strings.TrimSpace(*v) == "" {
			return fmt.Errorf("%s: --%s is required", cmd, name)
		}
	}
	return nil
}

// failed turns a domain error into the command's message.
func failed(cmd string, err error) error {
	return fmt.Errorf("%s: %s", cmd, imageshare.ErrorMessage(err))
}

func userCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("user: want create, key, list, disable or enable")
	}
	sub := args[0]
	cmd := "user " + sub
	f := newRAMFlags(cmd, stderr)
	name := f.fs.String("name", "", "the user's name: letters, digits, '.', '_' and '-'")
	switch sub {
	case "create", "key", "list", "disable", "enable":
	default:
		return fmt.Errorf("user: unknown subcommand %q (want create, key, list, disable or enable)", sub)
	}
	if err := f.parse(args[1:], false); err != nil {
		return err
	}
	if sub != "list" {
		if err := required(cmd, map[string]*string{"name": name}); err != nil {
			return err
		}
	}
	m, err := openAdmin(ctx, *f.db)
	if err != nil {
		return err
	}
	defer m.Close()
	svc := m.Service
	switch sub {
	case "create", "key":
		var u *imageshare.User
		if sub == "create" {
			u, err = svc.CreateUser(ctx, *f.account, *name)
		} else {
			u, err = svc.FindUser(ctx, *f.account, *name)
		}
		if err != nil {
			return failed(cmd, err)
		}
		k, err := svc.CreateUserKey(ctx, u)
		if err != nil {
			return failed(cmd, err)
		}
		if *f.asJSON {
			return writeJSON(stdout, toUserJSON(u, k))
		}
		fmt.Fprintf(stdout, "user %s of account %d: key created (no policy attached means no permission)\npublic key:  %s\nprivate key: %s\n",
			u.Name, u.AccountID, k.PublicKey, k.PrivateKey)
		return nil
	case "disable", "enable":
		if err := svc.SetUserEnabled(ctx, *f.account, *name, sub == "enable"); err != nil {
			return failed(cmd, err)
		}
		fmt.Fprintf(stdout, "user %s of account %d %sd\n", *name, *f.account, sub)
		return nil
	}
	users, err := svc.ListUsers(ctx, *f.account)
	if err != nil {
		return failed(cmd, err)
	}
	if *f.asJSON {
		out := make([]userJSON, 0, len(users))
		for _, u := range users {
			out = append(out, toUserJSON(u, nil))
		}
		return writeJSON(stdout, out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tENABLED\tCREATED")
	for _, u := range users {
		fmt.Fprintf(tw, "%d\t%s\t%v\t%s\n", u.ID, u.Name, u.Enabled, u.CreatedAt.Format(time.RFC3339))
	}
	return tw.Flush()
}

func groupCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("group: want create, add, remove or list")
	}
	sub := args[0]
	cmd := "group " + sub
	f := newRAMFlags(cmd, stderr)
	var name, group, user *string
	switch sub {
	case "create":
		name = f.fs.String("name", "", "the group's name")
	case "add", "remove":
		group = f.fs.String("group", "", "the group's name")
		user = f.fs.String("user", "", "the user's name")
	case "list":
	default:
		return fmt.Errorf("group: unknown subcommand %q (want create, add, remove or list)", sub)
	}
	if err := f.parse(args[1:], false); err != nil {
		return err
	}
	need := map[string]*string{}
	for flagName, v := range map[string]*string{"name": name, "group": group, "user": user} {
		if v != nil {
			need[flagName] = v
		}
	}
	if err := required(cmd, need); err != nil {
		return err
	}
	m, err := openAdmin(ctx, *f.db)
	if err != nil {
		return err
	}
	defer m.Close()
	svc := m.Service
	switch sub {
	case "create":
		g, err := svc.CreateGroup(ctx, *f.account, *name)
		if err != nil {
			return failed(cmd, err)
		}
		fmt.Fprintf(stdout, "group %s of account %d created (id %d)\n", g.Name, g.AccountID, g.ID)
		return nil
	case "add":
		if err := svc.AddGroupMember(ctx, *f.account, *group, *user); err != nil {
			return failed(cmd, err)
		}
		fmt.Fprintf(stdout, "user %s added to group %s\n", *user, *group)
		return nil
	case "remove":
		if err := svc.RemoveGroupMember(ctx, *f.account, *group, *user); err != nil {
			return failed(cmd, err)
		}
		fmt.Fprintf(stdout, "user %s removed from group %s\n", *user, *group)
		return nil
	}
	groups, err := svc.ListGroups(ctx, *f.account)
	if err != nil {
		return failed(cmd, err)
	}
	users, err := svc.ListUsers(ctx, *f.account)
	if err != nil {
		return failed(cmd, err)
	}
	names := map[int64]string{}
	for _, u := range users {
		names[u.ID] = u.Name
	}
	type groupJSON struct {
		ID      int64    `json:"id"`
		Name    string   `json:"name"`
		Members []string `json:"members"`
	}
	out := make([]groupJSON, 0, len(groups))
	for _, g := range groups {
		gj := groupJSON{ID: g.ID, Name: g.Name, Members: []string{}}
		for _, id := range g.MemberIDs {
			gj.Members = append(gj.Members, names[id])
		}
		out = append(out, gj)
	}
	if *f.asJSON {
		return writeJSON(stdout, out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tMEMBERS")
	for _, g := range out {
		fmt.Fprintf(tw, "%d\t%s\t%s\n", g.ID, g.Name, strings.Join(g.Members, ","))
	}
	return tw.Flush()
}

// principalName splits "name@ACCOUNTID" (a user's principal name, as RAM
// writes name@<account>.onaliyun.com); a bare name takes the account from
// --account.
func principalName(s string, account int64) (string, int64, error) {
	name, acct, found := strings.Cut(s, "@")
	if !found {
		if account <= 0 {
			return "", 0, fmt.Errorf("user %q names no account: write NAME@ACCOUNTID or give --account", s)
		}
		return name, account, nil
	}
	acct, _, _ = strings.Cut(acct, ".") // name@10001.onaliyun.com
	id, err := strconv.ParseInt(acct, 10, 64)
	if err != nil || id <= 0 {
		return "", 0, fmt.Errorf("user %q: the part after @ is not an account id", s)
	}
	if account > 0 && account != id {
		return "", 0, fmt.Errorf("user %q is not of account %d", s, account)
	}
	return name, id, nil
}
