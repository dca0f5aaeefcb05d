package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/core"
)

// Access policies (docs/ram.md):
//
//	imageshare policy create --account ID --name NAME --document FILE|-|JSON [--description TEXT]
//	imageshare policy attach|detach --account ID --policy NAME (--user NAME | --group NAME)
//	imageshare policy list --account ID [--json]
//	imageshare policy check --user NAME@ACCOUNTID --action A --resource R [--source-ip IP] [--secure] [--time RFC3339] [--json]

func policyCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("policy: want create, attach, detach, list or check")
	}
	switch args[0] {
	case "create":
		return policyCreate(ctx, args[1:], stdout, stderr)
	case "attach", "detach":
		return policyAttach(ctx, args[0], args[1:], stdout, stderr)
	case "list":
		return policyList(ctx, args[1:], stdout, stderr)
	case "check":
		return policyCheck(ctx, args[1:], stdout, stderr)
	}
	return fmt.Errorf("policy: unknown subcommand %q (want create, attach, detach, list or check)", args[0])
}

// readDocument reads a policy document: inline JSON (starting with '{'),
// "-" for standard input, or a file name.
func readDocument(arg string, stdin io.Reader) (string, error) {
	switch {
	case strings.HasPrefix(strings.TrimSpace(arg), "{"):
		return arg, nil
	case arg == "-":
		b, err := io.ReadAll(io.LimitReader(stdin, 1<<20))
		return string(b), err
	}
	b, err := os.ReadFile(arg)
	return string(b), err
}

func policyCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const cmd = "policy create"
	f := newRAMFlags(cmd, stderr)
	name := f.fs.String("name", "", "the policy's name")
	document := f.fs.String("document", "", "the policy document: a file, - for standard input, or the JSON itself")
	description := f.fs.String("description", "", "what the policy is for")
	if err := f.parse(args, false); err != nil {
		return err
	}
	if err := required(cmd, map[string]*string{"name": name, "document": document}); err != nil {
		return err
	}
	doc, err := readDocument(*document, os.Stdin)
	if err != nil {
		return fmt.Errorf("%s: reading the document: %w", cmd, err)
	}
	m, err := openAdmin(ctx, *f.db)
	if err != nil {
		return err
	}
	defer m.Close()
	p, err := m.Service.CreatePolicy(ctx, *f.account, *name, *description, doc)
	if err != nil {
		return failed(cmd, err)
	}
	if *f.asJSON {
		return writeJSON(stdout, map[string]any{"id": p.ID, "account_id": p.AccountID, "name": p.Name})
	}
	fmt.Fprintf(stdout, "policy %s of account %d created (id %d)\n", p.Name, p.AccountID, p.ID)
	return nil
}

func policyAttach(ctx context.Context, sub string, args []string, stdout, stderr io.Writer) error {
	cmd := "policy " + sub
	f := newRAMFlags(cmd, stderr)
	name := f.fs.String("policy", "", "the policy's name")
	user := f.fs.String("user", "", "attach to this user")
	group := f.fs.String("group", "", "attach to this group")
	if err := f.parse(args, false); err != nil {
		return err
	}
	if err := required(cmd, map[string]*string{"policy": name}); err != nil {
		return err
	}
	t, principal := imageshare.PrincipalUser, *user
	switch {
	case (*user == "") == (*group == ""):
		return fmt.Errorf("%s: give exactly one of --user and --group", cmd)
	case *group != "":
		t, principal = imageshare.PrincipalGroup, *group
	}
	m, err := openAdmin(ctx, *f.db)
	if err != nil {
		return err
	}
	defer m.Close()
	if sub == "attach" {
		err = m.Service.AttachPolicy(ctx, *f.account, *name, t, principal)
	} else {
		err = m.Service.DetachPolicy(ctx, *f.account, *name, t, principal)
	}
	if err != nil {
		return failed(cmd, err)
	}
	preposition := "to"
	if sub == "detach" {
		preposition = "from"
	}
	fmt.Fprintf(stdout, "policy %s %sed %s %s %s\n", *name, sub, preposition, strings.ToLower(string(t)), principal)
	return nil
}

func policyList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const cmd = "policy list"
	f := newRAMFlags(cmd, stderr)
	if err := f.parse(args, false); err != nil {
		return err
	}
	m, err := openAdmin(ctx, *f.db)
	if err != nil {
		return err
	}
	defer m.Close()
	policies, err := m.Service.ListPolicies(ctx, *f.account)
	if err != nil {
		return failed(cmd, err)
	}
	attachments, err := m.Service.ListAttachments(ctx, *f.account)
	if err != nil {
		return failed(cmd, err)
	}
	type policyJSON struct {
		ID          int64     `json:"id"`
		Name        string    `json:"name"`
		Description string    `json:"description"`
		Document    string    `json:"document"`
		CreatedAt   time.Time `json:"created_at"`
		AttachedTo  []string  `json:"attached_to"` // "User:dev", "Group:readers"
	}
	out := make([]policyJSON, 0, len(policies))
	for _, p := range policies {
		pj := policyJSON{ID: p.ID, Name: p.Name, Description: p.Description, Document: p.Document, CreatedAt: p.CreatedAt, AttachedTo: []string{}}
		for _, a := range attachments {
			if a.PolicyID == p.ID {
				pj.AttachedTo = append(pj.AttachedTo, string(a.PrincipalType)+":"+a.PrincipalName)
			}
		}
		out = append(out, pj)
	}
	if *f.asJSON {
		return writeJSON(stdout, out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tATTACHED TO\tDESCRIPTION")
	for _, p := range out {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", p.ID, p.Name, strings.Join(p.AttachedTo, ","), p.Description)
	}
	return tw.Flush()
}

// policyCheck is the policy simulator: it decides a call for a user as
// the server would, and says which statement decided.
func policyCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const cmd = "policy check"
	f := newRAMFlags(cmd, stderr)
	user := f.fs.String("user", "", "the user: NAME@ACCOUNTID, or NAME with --account")
	action := f.fs.String("action", "", "the action, as policies name it: ecs:DescribeImages, ucompshare:..., bcc:...")
	resource := f.fs.String("resource", "", "the resource name: acs:ecs:REGION:ACCOUNTID:image/ID, ...")
	sourceIP := f.fs.String("source-ip", "", "the caller's address (acs:SourceIp); unset: unknown")
	secure := f.fs.Bool("secure", false, "the call comes over TLS (acs:SecureTransport)")
	at := f.fs.String("time", "", "the time of the call, RFC 3339 (acs:CurrentTime); default now")
	if err := f.parse(args, true); err != nil {
		return err
	}
	if err := required(cmd, map[string]*string{"user": user, "action": action, "resource": resource}); err != nil {
		return err
	}
	name, account, err := principalName(*user, *f.account)
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	sim := core.Simulation{Action: *action, Resource: *resource, SecureTransport: *secure}
	if *sourceIP != "" {
		if sim.SourceIP, err = netip.ParseAddr(*sourceIP); err != nil {
			return fmt.Errorf("%s: --source-ip %q is not an IP address", cmd, *sourceIP)
		}
	}
	if *at != "" {
		if sim.Time, err = time.Parse(time.RFC3339, *at); err != nil {
			return fmt.Errorf("%s: --time %q is not an RFC 3339 time", cmd, *at)
		}
	}
	m, err := openAdmin(ctx, *f.db)
	if err != nil {
		return err
	}
	defer m.Close()
	res, err := m.Service.SimulatePolicy(ctx, account, name, sim)
	if err != nil {
		return failed(cmd, err)
	}
	return printCheck(stdout, res, sim, *f.asJSON)
}

func printCheck(w io.Writer, res *core.SimulationResult, sim core.Simulation, asJSON bool) error {
	d := res.Decision
	if asJSON {
		out := map[string]any{"allowed": res.Allowed(), "action": sim.Action, "resource": sim.Resource}
		switch {
		case res.Refusal != "":
			out["refusal"] = res.Refusal
		case !d.Allowed:
			out["denial"] = string(d.Denial)
		}
		if d.Policy != "" {
			out["policy"], out["statement"], out["statement_text"] = d.Policy, d.Statement, d.Text
		}
		return writeJSON(w, out)
	}
	switch {
	case res.Refusal != "":
		fmt.Fprintf(w, "DENY %s on %s\n%s\n", sim.Action, sim.Resource, res.Refusal)
	case d.Allowed:
		fmt.Fprintf(w, "ALLOW %s on %s\nallowed by policy %s, statement %d: %s\n", sim.Action, sim.Resource, d.Policy, d.Statement, d.Text)
	case d.Policy != "":
		fmt.Fprintf(w, "DENY (%s) %s on %s\ndenied by policy %s, statement %d: %s\n", d.Denial, sim.Action, sim.Resource, d.Policy, d.Statement, d.Text)
	default:
		fmt.Fprintf(w, "DENY (%s) %s on %s\nno statement of the user's policies allows it\n", d.Denial, sim.Action, sim.Resource)
	}
	return nil
}
