package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app"
)

// openAdmin opens the store a command names, without serving.
func openAdmin(ctx context.Context, dsn string) (*app.Main, error) {
	cfg := app.DefaultConfig()
	cfg.DB = dsn
	m := app.New(cfg)
	if err := m.OpenService(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

type accountJSON struct {
	ID             int64     `json:"id"`
	Name           string    `json:"name"`
	OrganizationID int64     `json:"organization_id"`
	CreatedAt      time.Time `json:"created_at"`
	PublicKey      string    `json:"public_key,omitempty"`
	PrivateKey     string    `json:"private_key,omitempty"`
}

func accountCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("account: want create or list")
	}
	switch args[0] {
	case "create":
		fs := newFlagSet("account create", stderr)
		db := dbFlag(fs)
		name := fs.String("name", "", "login e-mail of the account (required)")
		id := fs.Int64("id", 0, "account id (default: next free id)")
		org := fs.Int64("org", 0, "organization id (TopOrganizationId; default: the account id)")
		asJSON := fs.Bool("json", false, "print JSON")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *name == "" {
			return fmt.Errorf("account create: --name is required")
		}
		m, err := openAdmin(ctx, *db)
		if err != nil {
			return err
		}
		defer m.Close()
		a := &imageshare.Account{ID: *id, Name: *name, OrganizationID: *org}
		k, err := m.Service.CreateAccount(ctx, a)
		if err != nil {
			return fmt.Errorf("account create: %s", imageshare.ErrorMessage(err))
		}
		out := accountJSON{ID: a.ID, Name: a.Name, OrganizationID: a.OrganizationID, CreatedAt: a.CreatedAt, PublicKey: k.PublicKey, PrivateKey: k.PrivateKey}
		if *asJSON {
			return writeJSON(stdout, out)
		}
		fmt.Fprintf(stdout, "account %d (%s) created, organization %d\npublic key:  %s\nprivate key: %s\n",
			a.ID, a.Name, a.OrganizationID, k.PublicKey, k.PrivateKey)
		return nil
	case "list":
		fs := newFlagSet("account list", stderr)
		db := dbFlag(fs)
		asJSON := fs.Bool("json", false, "print JSON")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		m, err := openAdmin(ctx, *db)
		if err != nil {
			return err
		}
		defer m.Close()
		accounts, _, err := m.Service.ListAccounts(ctx, imageshare.Page{})
		if err != nil {
			return err
		}
		if *asJSON {
			out := make([]accountJSON, 0, len(accounts))
			for _, a := range accounts {
				out = append(out, accountJSON{ID: a.ID, Name: a.Name, OrganizationID: a.OrganizationID, CreatedAt: a.CreatedAt})
			}
			return writeJSON(stdout, out)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tORGANIZATION\tCREATED")
		for _, a := range accounts {
			fmt.Fprintf(tw, "%d\t%s\t%d\t%s\n", a.ID, a.Name, a.OrganizationID, a.CreatedAt.Format(time.RFC3339))
		}
		return tw.Flush()
	}
	return fmt.Errorf("account: unknown subcommand %q (want create or list)", args[0])
}

func keyCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("key: want create, disable or enable")
	}
	switch args[0] {
	case "create":
		fs := newFlagSet("key create", stderr)
		db := dbFlag(fs)
		account := fs.Int64("account", 0, "id of the account that owns the key (required)")
		asJSON := fs.Bool("json", false, "print JSON")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *account <= 0 {
			return fmt.Errorf("key create: --account is required")
		}
		m, err := openAdmin(ctx, *db)
		if err != nil {
			return err
		}
		defer m.Close()
		k, err := m.Service.CreateKey(ctx, *account)
		if err != nil {
			return fmt.Errorf("key create: %s", imageshare.ErrorMessage(err))
		}
		if *asJSON {
			return writeJSON(stdout, map[string]any{"account_id": k.AccountID, "public_key": k.PublicKey, "private_key": k.PrivateKey})
		}
		fmt.Fprintf(stdout, "key created for account %d\npublic key:  %s\nprivate key: %s\n", k.AccountID, k.PublicKey, k.PrivateKey)
		return nil
	case "disable", "enable":
		fs := newFlagSet("key "+args[0], stderr)
		db := dbFlag(fs)
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return fmt.Errorf("key %s: want exactly one PUBLICKEY", args[0])
		}
		m, err := openAdmin(ctx, *db)
		if err != nil {
			return err
		}
		defer m.Close()
		enable := args[0] == "enable"
		if err := m.Service.SetKeyEnabled(ctx, fs.Arg(0), enable); err != nil {
			return fmt.Errorf("key %s: %s", args[0], imageshare.ErrorMessage(err))
		}
		fmt.Fprintf(stdout, "key %s %sd\n", fs.Arg(0), args[0])
		return nil
	}
	return fmt.Errorf("key: unknown subcommand %q (want create, disable or enable)", args[0])
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
