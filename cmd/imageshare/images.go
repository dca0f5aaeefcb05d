package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/imageshare/imageshare/internal/ucloudclient"
)

const imagesUsage = `usage: imageshare images ls [--shared-with-me] [--region R] [--json]

Lists your custom images in the profile's region, or with --shared-with-me
the images other accounts shared with you.
`

// imageOut is one image as the CLI prints it with --json.
type imageOut struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Type        string   `json:"type"`
	Status      string   `json:"status"`
	SizeMB      int      `json:"size_mb"`
	Tags        []string `json:"tags"`
	Description string   `json:"description"`
	CreatedAt   string   `json:"created_at"` // RFC 3339, UTC
	OwnerID     string   `json:"owner_id,omitempty"`
	OwnerName   string   `json:"owner_name,omitempty"`
	// Community versions only.
	GroupID     string  `json:"group_id,omitempty"`
	VersionName string  `json:"version_name,omitempty"`
	Author      string  `json:"author,omitempty"`
	Price       float64 `json:"price,omitempty"`
	PublishedAt string  `json:"published_at,omitempty"`
}

func toImageOut(im ucloudclient.CompShareImage) imageOut {
	tags := im.Tags
	if tags == nil {
		tags = []string{}
	}
	return imageOut{
		ID: im.CompShareImageId, Name: im.Name, Type: im.ImageType, Status: im.Status, SizeMB: im.Size,
		Tags: tags, Description: im.Description, CreatedAt: unixTime(im.CreateTime),
		OwnerID: im.Owner.AccountId, OwnerName: im.Owner.AccountName,
		GroupID: im.GroupId, VersionName: im.VersionName, Author: im.Author, Price: im.Price,
		PublishedAt: unixTime(im.PubTime),
	}
}

// unixTime renders unix seconds as RFC 3339 in UTC, "" for 0.
func unixTime(sec int) string {
	if sec == 0 {
		return ""
	}
	return time.Unix(int64(sec), 0).UTC().Format(time.RFC3339)
}

// shortTime is RFC 3339 cut to the minute, for tables.
func shortTime(rfc3339 string) string {
	if t, err := time.Parse(time.RFC3339, rfc3339); err == nil {
		return t.Format("2006-01-02 15:04")
	}
	return "-"
}

// size renders megabytes for people.
func size(mb int) string {
	switch {
	case mb <= 0:
		return "-"
	case mb < 1024:
		return strconv.Itoa(mb) + " MB"
	}
	return strconv.FormatFloat(float64(mb)/1024, 'f', 1, 64) + " GB"
}

// orDash keeps empty table cells visible.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func imagesCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "ls" {
		fmt.Fprint(stderr, imagesUsage)
		return usageError("images", args)
	}
	fs, opts, shared := imagesLsFlags(stderr)
	rest, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("images ls: unexpected argument %q", rest[0])
	}
	r, err := opts.connect(stderr)
	if err != nil {
		return err
	}
	action := "DescribeCompShareCustomImages"
	if *shared {
		action = "DescribeCompShareSharingImages"
	}
	images, err := r.allImages(ctx, action)
	if err != nil {
		return err
	}
	if *opts.json {
		return writeJSON(stdout, images)
	}
	header := []string{"ID", "NAME", "STATUS", "SIZE", "CREATED"}
	if *shared {
		header = append(header, "OWNER")
	}
	var rows [][]string
	for _, im := range images {
		row := []string{im.ID, im.Name, im.Status, size(im.SizeMB), shortTime(im.CreatedAt)}
		if *shared {
			row = append(row, strings.TrimSpace(im.OwnerID+" "+im.OwnerName))
		}
		rows = append(rows, row)
	}
	return table(stdout, header, rows)
}

func imagesLsFlags(stderr io.Writer) (*flag.FlagSet, *clientOpts, *bool) {
	fs := newFlagSet("images ls", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, imagesUsage); fs.PrintDefaults() }
	opts := addClientFlags(fs)
	shared := fs.Bool("shared-with-me", false, "list the images shared with you instead of your own")
	return fs, opts, shared
}

// maxListed bounds how many images a listing fetches page by page, so a
// misbehaving server cannot keep the CLI looping.
const maxListed = 10000

// allImages fetches every page of an image listing action.
func (r *remote) allImages(ctx context.Context, action string) ([]imageOut, error) {
	out := []imageOut{}
	for offset := 0; offset < maxListed; {
		var resp ucloudclient.DescribeCompShareCustomImagesResponse
		if err := r.call(ctx, action, map[string]any{"Offset": offset, "Limit": 100}, &resp); err != nil {
			return nil, err
		}
		for _, im := range resp.ImageSet {
			out = append(out, toImageOut(im))
		}
		offset += len(resp.ImageSet)
		if len(resp.ImageSet) == 0 || offset >= resp.TotalCount {
			break
		}
	}
	return out, nil
}

// usageError reports a missing or unknown subcommand.
func usageError(cmd string, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%s: no subcommand given", cmd)
	}
	return fmt.Errorf("%s: unknown subcommand %q", cmd, args[0])
}
