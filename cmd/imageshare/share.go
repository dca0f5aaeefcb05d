package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/imageshare/imageshare/internal/ucloudclient"
)

const shareUsage = `usage: imageshare share ls IMAGE [--json]
       imageshare share add IMAGE ACCOUNT... [--json]
       imageshare share rm IMAGE ACCOUNT... [--json]

Lists the accounts your custom image is shared with, shares it with more
accounts (ids, at most 10 per call) or stops sharing it with them.
`

// shareChangeOut is what share add and rm print with --json.
type shareChangeOut struct {
	Image           string  `json:"image"`
	Accounts        []int64 `json:"accounts"`         // asked for and valid: now shared (add) or not (rm)
	InvalidAccounts []int64 `json:"invalid_accounts"` // unknown accounts, or yourself
}

// shareAccountOut is one account of share ls --json.
type shareAccountOut struct {
	AccountID   string `json:"account_id"`
	AccountName string `json:"account_name"`
}

func shareCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "ls" && args[0] != "add" && args[0] != "rm") {
		fmt.Fprint(stderr, shareUsage)
		return usageError("share", args)
	}
	sub := args[0]
	fs, opts := shareFlags(sub, stderr)
	rest, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return fmt.Errorf("share %s: name the IMAGE", sub)
	}
	image, accounts := rest[0], rest[1:]
	if sub == "ls" {
		if len(accounts) > 0 {
			return fmt.Errorf("share ls: unexpected argument %q", accounts[0])
		}
		r, err := opts.connect(stderr)
		if err != nil {
			return err
		}
		return r.listShares(ctx, stdout, image, *opts.json)
	}
	if len(accounts) == 0 {
		return fmt.Errorf("share %s: name at least one ACCOUNT id after the image", sub)
	}
	ids := make([]int64, 0, len(accounts))
	for _, a := range accounts {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("share %s: account %q is not an account id (a positive number)", sub, a)
		}
		ids = append(ids, id)
	}
	r, err := opts.connect(stderr)
	if err != nil {
		return err
	}
	param := "AddAccounts"
	if sub == "rm" {
		param = "RemoveAccounts"
	}
	var resp ucloudclient.ModifyCompShareImageShareAccountResponse
	if err := r.call(ctx, "ModifyCompShareImageShareAccount", map[string]any{"CompShareImageId": image, param: ids}, &resp); err != nil {
		return err
	}
	out := shareChangeOut{Image: image, Accounts: []int64{}, InvalidAccounts: []int64{}}
	invalid := map[int64]bool{}
	for _, id := range resp.InvalidAccounts {
		invalid[int64(id)] = true
		out.InvalidAccounts = append(out.InvalidAccounts, int64(id))
	}
	for _, id := range ids {
		if !invalid[id] {
			out.Accounts = append(out.Accounts, id)
		}
	}
	if *opts.json {
		if err := writeJSON(stdout, out); err != nil {
			return err
		}
	} else if len(out.Accounts) > 0 {
		verb := "shared %s with %s\n"
		if sub == "rm" {
			verb = "stopped sharing %s with %s\n"
		}
		fmt.Fprintf(stdout, verb, image, joinIDs(out.Accounts))
	}
	if len(out.InvalidAccounts) > 0 {
		return fmt.Errorf("share %s: %s: no such account, or your own (the others were applied)", sub, joinIDs(out.InvalidAccounts))
	}
	return nil
}

func shareFlags(sub string, stderr io.Writer) (*flag.FlagSet, *clientOpts) {
	fs := newFlagSet("share "+sub, stderr)
	fs.Usage = func() { fmt.Fprint(stderr, shareUsage); fs.PrintDefaults() }
	return fs, addClientFlags(fs)
}

func (r *remote) listShares(ctx context.Context, stdout io.Writer, image string, asJSON bool) error {
	var resp ucloudclient.DescribeCompShareImageShareAccountsResponse
	if err := r.call(ctx, "DescribeCompShareImageShareAccounts", map[string]any{"CompShareImageId": image}, &resp); err != nil {
		return err
	}
	accounts := []shareAccountOut{}
	var rows [][]string
	for _, a := range resp.AccountSet {
		accounts = append(accounts, shareAccountOut{AccountID: a.AccountId, AccountName: a.AccountName})
		rows = append(rows, []string{a.AccountId, orDash(a.AccountName)})
	}
	if asJSON {
		return writeJSON(stdout, accounts)
	}
	return table(stdout, []string{"ACCOUNT", "NAME"}, rows)
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ", ")
}
