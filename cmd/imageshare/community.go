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

const communityUsage = `usage: imageshare community ls [--user ORG] [--search TEXT] [--tag TAG] [--limit N] [--offset N] [--json]

Lists the published community images of the profile's region, newest
first, one row per version: every publisher's, or with --user those of one
organization (its TopOrganizationId). --search matches the name or the
author; --limit and --offset page the version groups (at most 100).
`

const publishUsage = `usage: imageshare publish IMAGE [--price YUAN] [--name NAME] [--version V] [--version-desc TEXT]
                         [--desc TEXT] [--tag TAG]... [--group GROUPID] [--auto-start] [--json]

Submits a version of your Available custom image to the community catalog.
It is Reviewing until an operator approves it.
`

func communityCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "ls" {
		fmt.Fprint(stderr, communityUsage)
		return usageError("community", args)
	}
	fs, opts, f := communityLsFlags(stderr)
	rest, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("community ls: unexpected argument %q", rest[0])
	}
	if *f.limit < 1 || *f.limit > 100 || *f.offset < 0 {
		return fmt.Errorf("community ls: --limit must be 1-100 and --offset >= 0")
	}
	params := map[string]any{"Limit": *f.limit, "Offset": *f.offset}
	if *f.user != "" {
		org, err := strconv.ParseInt(*f.user, 10, 64)
		if err != nil || org <= 0 {
			return fmt.Errorf("community ls: --user %q is not an organization id (a positive number)", *f.user)
		}
		params["TargetTopOrganizationId"] = org
	}
	if *f.search != "" {
		params["FuzzySearch"] = *f.search
	}
	if *f.tag != "" {
		params["Tag"] = *f.tag
	}
	r, err := opts.connect(stderr)
	if err != nil {
		return err
	}
	var resp ucloudclient.DescribeUserCommunityImagesResponse
	if err := r.call(ctx, "DescribeUserCommunityImages", params, &resp); err != nil {
		return err
	}
	versions := []imageOut{}
	var rows [][]string
	for _, g := range resp.ImageSetGroup {
		for _, v := range g.Data {
			o := toImageOut(v)
			versions = append(versions, o)
			rows = append(rows, []string{o.ID, o.Name, orDash(o.VersionName), orDash(o.Author), price(o.Price),
				orDash(strings.Join(o.Tags, ",")), shortTime(o.PublishedAt)})
		}
	}
	if *opts.json {
		return writeJSON(stdout, versions)
	}
	return table(stdout, []string{"ID", "NAME", "VERSION", "AUTHOR", "PRICE", "TAGS", "PUBLISHED"}, rows)
}

type communityFilterFlags struct {
	user, search, tag *string
	limit, offset     *int
}

func communityLsFlags(stderr io.Writer) (*flag.FlagSet, *clientOpts, communityFilterFlags) {
	fs := newFlagSet("community ls", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, communityUsage); fs.PrintDefaults() }
	opts := addClientFlags(fs)
	return fs, opts, communityFilterFlags{
		user:   fs.String("user", "", "only this publisher's organization id (TopOrganizationId)"),
		search: fs.String("search", "", "only versions whose name or author contains this text"),
		tag:    fs.String("tag", "", "only versions with this tag"),
		limit:  fs.Int("limit", 20, "version groups per page (1-100)"),
		offset: fs.Int("offset", 0, "version groups to skip"),
	}
}

func price(yuan float64) string {
	if yuan == 0 {
		return "free"
	}
	return strconv.FormatFloat(yuan, 'f', 2, 64)
}

// publishOut is what publish prints with --json.
type publishOut struct {
	Image       string `json:"image"`
	VersionID   string `json:"version_id"`
	GroupID     string `json:"group_id"`
	VersionName string `json:"version_name"`
	Status      string `json:"status"`
}

// stringList collects a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

type publishFlagValues struct {
	price                      *float64
	name, version, versionDesc *string
	desc, group                *string
	autoStart                  *bool
	tags                       *stringList
}

func publishFlags(stderr io.Writer) (*flag.FlagSet, *clientOpts, publishFlagValues) {
	fs := newFlagSet("publish", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, publishUsage); fs.PrintDefaults() }
	opts := addClientFlags(fs)
	v := publishFlagValues{
		price:       fs.Float64("price", 0, "price in yuan per hour of use, at most two decimals; 0 is free"),
		name:        fs.String("name", "", "community name (default: the image's name)"),
		version:     fs.String("version", "", "version name (default: v<N>)"),
		versionDesc: fs.String("version-desc", "", "what this version changes"),
		desc:        fs.String("desc", "", "description (default: the image's)"),
		group:       fs.String("group", "", "add the version to this version group of yours"),
		autoStart:   fs.Bool("auto-start", false, "start the image's application when an instance boots"),
		tags:        &stringList{},
	}
	fs.Var(v.tags, "tag", "a tag (repeat for more, at most 3)")
	return fs, opts, v
}

func publishCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, opts, v := publishFlags(stderr)
	rest, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		fmt.Fprint(stderr, publishUsage)
		return fmt.Errorf("publish: name exactly one IMAGE")
	}
	image := rest[0]
	params := map[string]any{"CompShareImageId": image, "Price": *v.price}
	for name, val := range map[string]string{"CommunityImageName": *v.name, "VersionName": *v.version,
		"VersionDesc": *v.versionDesc, "GroupId": *v.group} {
		if val != "" {
			params[name] = val
		}
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "desc" {
			params["Description"] = *v.desc
		}
	})
	if *v.autoStart {
		params["AutoStart"] = true
	}
	if len(*v.tags) > 0 {
		params["Tags"] = []string(*v.tags)
	}
	r, err := opts.connect(stderr)
	if err != nil {
		return err
	}
	var resp struct {
		ucloudclient.CommonBase
		CompShareImageId string
		GroupId          string
		VersionName      string
		Status           string
	}
	if err := r.call(ctx, "PublishCompShareImage", params, &resp); err != nil {
		return err
	}
	out := publishOut{Image: image, VersionID: resp.CompShareImageId, GroupID: resp.GroupId, VersionName: resp.VersionName, Status: resp.Status}
	if *opts.json {
		return writeJSON(stdout, out)
	}
	fmt.Fprintf(stdout, "submitted %s as community version %s (group %s, version %s): %s until an operator approves it\n",
		image, out.VersionID, out.GroupID, out.VersionName, out.Status)
	return nil
}
