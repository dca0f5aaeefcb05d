package main

import (
	"context"
	"fmt"
	"io"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/admin"
)

// instanceCmd records instances: the service does not run machines, it
// only knows which account has which instance, so that custom images can
// be made from them.
func instanceCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		if len(args) > 0 {
			return fmt.Errorf("instance: unknown subcommand %q (want create)", args[0])
		}
		return fmt.Errorf("instance: want create")
	}
	fs := newFlagSet("instance create", stderr)
	db := dbFlag(fs)
	account := fs.Int64("account", 0, "id of the account that owns the instance (required)")
	region := fs.String("region", "", "region of the instance (required)")
	gpu := fs.String("gpu-type", "", `GPU type, recorded as the SourceGpuType of images made from it ("4090")`)
	id := fs.String("id", "", "instance id (default: a fresh uhost-... id)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("instance create: unexpected argument %q", pos[0])
	}
	if *account <= 0 || *region == "" {
		return fmt.Errorf("instance create: --account and --region are required")
	}
	m, err := openAdmin(ctx, *db)
	if err != nil {
		return err
	}
	defer m.Close()
	in, err := m.Service.CreateInstance(ctx, &imageshare.Instance{ID: *id, OwnerID: *account, Region: *region, GPUType: *gpu})
	if err != nil {
		return fmt.Errorf("instance create: %s", imageshare.ErrorMessage(err))
	}
	if *asJSON {
		return writeJSON(stdout, admin.Instance{ID: in.ID, AccountID: in.OwnerID, Region: in.Region, GPUType: in.GPUType, CreatedAt: in.CreatedAt})
	}
	fmt.Fprintf(stdout, "instance %s created for account %d in %s (GPU %s)\n", in.ID, in.OwnerID, in.Region, in.GPUType)
	return nil
}
