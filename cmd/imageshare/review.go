package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/admin"
)

// parseArgs parses fs from args allowing flags after the positional
// arguments ("review reject ID --reason R"), which flag.Parse stops at.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func reviewCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const want = "list, approve, reject, offline or online"
	if len(args) == 0 {
		return fmt.Errorf("review: want %s", want)
	}
	sub := args[0]
	fs := newFlagSet("review "+sub, stderr)
	db := dbFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	var status, region *string
	var limit *int
	var reason *string
	switch sub {
	case "list":
		status = fs.String("status", "Reviewing", "statuses to list, comma-separated (Reviewing, Available, UnAvailable, Offline) or all")
		region = fs.String("region", "", "only this region")
		limit = fs.Int("limit", 100, "at most this many versions (1-100)")
	case "reject":
		reason = fs.String("reason", "", "why the version is rejected (shown to its publisher)")
	case "approve", "offline", "online":
	default:
		return fmt.Errorf("review: unknown subcommand %q (want %s)", sub, want)
	}
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	if sub == "list" && len(pos) != 0 {
		return fmt.Errorf("review list: unexpected argument %q", pos[0])
	}
	if sub != "list" && len(pos) != 1 {
		return fmt.Errorf("review %s: want exactly one version ID", sub)
	}
	m, err := openAdmin(ctx, *db)
	if err != nil {
		return err
	}
	defer m.Close()

	if sub == "list" {
		f := imageshare.CommunityFilter{Region: *region, Page: imageshare.Page{Limit: *limit}}
		if *status == "all" {
			f.Statuses = []imageshare.ImageStatus{imageshare.StatusReviewing, imageshare.StatusAvailable, imageshare.StatusUnAvailable, imageshare.StatusOffline}
		} else {
			for s := range strings.SplitSeq(*status, ",") {
				f.Statuses = append(f.Statuses, imageshare.ImageStatus(strings.TrimSpace(s)))
			}
		}
		f.Sort = imageshare.CommunitySort{Field: imageshare.SortCreateTime, Asc: true}
		images, total, err := m.Service.ReviewQueue(ctx, f)
		if err != nil {
			return fmt.Errorf("review list: %s", imageshare.ErrorMessage(err))
		}
		if *asJSON {
			out := admin.VersionList{Versions: []admin.Version{}, Total: total}
			for _, im := range images {
				out.Versions = append(out.Versions, admin.ToVersion(im))
			}
			return writeJSON(stdout, out)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tOWNER\tREGION\tNAME\tGROUP\tVERSION\tSTATUS\tPRICE\tSUBMITTED")
		for _, im := range images {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%.2f\t%s\n", im.ID, im.OwnerID, im.Region, im.Name, im.GroupID,
				im.VersionName, im.Status, im.Price, im.CreatedAt.Format(time.RFC3339))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d of %d shown\n", len(images), total)
		return nil
	}

	var v *imageshare.Image
	switch sub {
	case "approve":
		v, err = m.Service.ReviewVersion(ctx, pos[0], imageshare.ReviewDecision{Approve: true})
	case "reject":
		v, err = m.Service.ReviewVersion(ctx, pos[0], imageshare.ReviewDecision{Reason: *reason})
	case "offline", "online":
		v, err = m.Service.SetVersionOnline(ctx, pos[0], sub == "online")
	}
	if err != nil {
		return fmt.Errorf("review %s: %s", sub, imageshare.ErrorMessage(err))
	}
	if *asJSON {
		return writeJSON(stdout, admin.ToVersion(v))
	}
	fmt.Fprintf(stdout, "version %s (%s %s) is now %s\n", v.ID, v.Name, v.VersionName, v.Status)
	if v.FailedReason != "" {
		fmt.Fprintf(stdout, "reason: %s\n", v.FailedReason)
	}
	return nil
}
