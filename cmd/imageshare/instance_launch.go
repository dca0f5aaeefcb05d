package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/imageshare/imageshare"
)

// instanceView is an instance as `instance ls|run --json` prints it.
type instanceView struct {
	ID           string    `json:"id"`
	AccountID    int64     `json:"account_id"`
	Region       string    `json:"region"`
	Zone         string    `json:"zone"`
	Name         string    `json:"name"`
	ImageID      string    `json:"image_id"`
	InstanceType string    `json:"instance_type"`
	CPU          int       `json:"cpu"`
	MemoryMB     int       `json:"memory_mb"`
	GPUType      string    `json:"gpu_type"`
	GPUCount     int       `json:"gpu_count"`
	Status       string    `json:"status"`
	OSName       string    `json:"os_name"`
	CreatedAt    time.Time `json:"created_at"`
}

func viewOf(in *imageshare.Instance) instanceView {
	return instanceView{ID: in.ID, AccountID: in.OwnerID, Region: in.Region, Zone: in.Zone, Name: in.Name, ImageID: in.ImageID,
		InstanceType: in.InstanceType, CPU: in.CPU, MemoryMB: in.MemoryMB, GPUType: in.GPUType, GPUCount: in.GPUCount,
		Status: string(in.Status), OSName: in.OSName, CreatedAt: in.CreatedAt}
}

// instanceLaunchCmd is `instance ls` and `instance run`: an account's
// instances, and a launch from an image under the core's rules (the launch
// permission, the quota: docs/instances.md), as that account's own call
// would be.
func instanceLaunchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "ls" && args[0] != "run") {
		return fmt.Errorf("instance: want ls or run")
	}
	sub := args[0]
	fs := newFlagSet("instance "+sub, stderr)
	db := dbFlag(fs)
	account := fs.Int64("account", 0, "id of the account (required)")
	region := fs.String("region", "", "region (ls: every region when empty; run: required)")
	image := fs.String("image", "", "run: the image to launch from (required)")
	name := fs.String("name", "", "run: instance name (default: its id)")
	typ := fs.String("type", "", "run: instance type")
	cpu := fs.Int("cpu", 0, "run: vCPUs")
	mem := fs.Int("memory-mb", 0, "run: memory in MiB")
	gpu := fs.String("gpu-type", "", "run: GPU type")
	gpus := fs.Int("gpus", 0, "run: GPU count")
	count := fs.Int("count", 1, "run: how many instances")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("instance %s: unexpected argument %q", sub, pos[0])
	}
	if *account <= 0 {
		return fmt.Errorf("instance %s: --account is required", sub)
	}
	if sub == "run" && (*image == "" || *region == "") {
		return fmt.Errorf("instance run: --image and --region are required")
	}
	m, err := openAdmin(ctx, *db)
	if err != nil {
		return err
	}
	defer m.Close()
	caller := imageshare.Caller{AccountID: *account}
	var ins []*imageshare.Instance
	if sub == "run" {
		ins, err = m.Service.LaunchInstances(ctx, caller, imageshare.LaunchRequest{Region: *region, ImageID: *image, Name: *name,
			InstanceType: *typ, CPU: *cpu, MemoryMB: *mem, GPUType: *gpu, GPUCount: *gpus, Count: *count})
	} else {
		ins, _, err = m.Service.ListInstances(ctx, caller, imageshare.InstanceFilter{Region: *region, Page: imageshare.Page{Limit: 10000}})
	}
	if err != nil {
		return fmt.Errorf("instance %s: %s", sub, imageshare.ErrorMessage(err))
	}
	views := make([]instanceView, 0, len(ins))
	for _, in := range ins {
		views = append(views, viewOf(in))
	}
	if *asJSON {
		return writeJSON(stdout, views)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tREGION\tIMAGE\tNAME\tSPEC")
	for _, v := range views {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s %dC %dMiB %dx%s\n", v.ID, v.Status, v.Region, v.ImageID, v.Name, v.InstanceType, v.CPU, v.MemoryMB, v.GPUCount, v.GPUType)
	}
	return tw.Flush()
}
