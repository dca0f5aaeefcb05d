package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/imageshare/imageshare"
)

// imageJSON is one image as "image show --json" prints it: the record,
// with the OS facts and key tags that only the Alibaba and Baidu dialects
// report (the UCloud model, which "images ls" reads, has no place for them).
type imageJSON struct {
	ID                   string           `json:"id"`
	Region               string           `json:"region"`
	OwnerID              int64            `json:"owner_id"`
	Type                 string           `json:"type"`
	Status               string           `json:"status"`
	Name                 string           `json:"name"`
	Description          string           `json:"description"`
	SizeMB               int64            `json:"size_mb"`
	Labels               []string         `json:"labels"`
	KeyTags              []imageshare.Tag `json:"key_tags"`
	IsPublic             bool             `json:"is_public"`
	OSName               string           `json:"os_name"`
	OSNameEn             string           `json:"os_name_en"`
	OSType               string           `json:"os_type"`
	OSVersion            string           `json:"os_version"`
	OSLang               string           `json:"os_lang"`
	Platform             string           `json:"platform"`
	Architecture         string           `json:"architecture"`
	BootMode             string           `json:"boot_mode"`
	ImageFamily          string           `json:"image_family"`
	ImageVersion         string           `json:"image_version"`
	IsSupportIoOptimized bool             `json:"is_support_io_optimized"`
	IsSupportCloudinit   bool             `json:"is_support_cloudinit"`
	CreatedAt            time.Time        `json:"created_at"`
}

// imageCmd shows one image of any tenant from the store.
func imageCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "show" {
		return fmt.Errorf("image: want show IMAGEID")
	}
	fs := newFlagSet("image show", stderr)
	db := dbFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("image show: want one image id")
	}
	m, err := openAdmin(ctx, *db)
	if err != nil {
		return err
	}
	defer m.Close()
	im, err := m.Service.FindImage(ctx, pos[0])
	if err != nil {
		return fmt.Errorf("image show: %s", imageshare.ErrorMessage(err))
	}
	out := imageJSON{ID: im.ID, Region: im.Region, OwnerID: im.OwnerID, Type: string(im.Type), Status: string(im.Status),
		Name: im.Name, Description: im.Description, SizeMB: im.SizeMB, Labels: im.Tags, KeyTags: im.KeyTags, IsPublic: im.IsPublic,
		OSName: im.OSName, OSNameEn: im.OSNameEn, OSType: im.OSType, OSVersion: im.OSVersion, OSLang: im.OSLang,
		Platform: im.Platform, Architecture: im.Architecture, BootMode: im.BootMode, ImageFamily: im.ImageFamily,
		ImageVersion: im.ImageVersion, IsSupportIoOptimized: im.IsSupportIoOptimized, IsSupportCloudinit: im.IsSupportCloudinit,
		CreatedAt: im.CreatedAt}
	if out.Labels == nil {
		out.Labels = []string{}
	}
	if out.KeyTags == nil {
		out.KeyTags = []imageshare.Tag{}
	}
	if *asJSON {
		return writeJSON(stdout, out)
	}
	tags := make([]string, 0, len(im.KeyTags))
	for _, t := range im.KeyTags {
		tags = append(tags, t.Key+"="+t.Value)
	}
	rows := [][]string{
		{"id", im.ID}, {"region", im.Region}, {"owner", strconv.FormatInt(im.OwnerID, 10)}, {"type", string(im.Type)},
		{"status", string(im.Status)}, {"name", im.Name}, {"size", size(int(im.SizeMB))},
		{"os", strings.TrimSpace(im.OSName + " / " + im.OSNameEn)}, {"os type", im.OSType}, {"os version", im.OSVersion},
		{"os lang", im.OSLang}, {"platform", im.Platform}, {"architecture", im.Architecture}, {"boot mode", im.BootMode},
		{"family", im.ImageFamily}, {"version", im.ImageVersion},
		{"io optimized", strconv.FormatBool(im.IsSupportIoOptimized)}, {"cloud-init", strconv.FormatBool(im.IsSupportCloudinit)},
		{"public", strconv.FormatBool(im.IsPublic)}, {"labels", strings.Join(im.Tags, ",")}, {"tags", strings.Join(tags, ",")},
	}
	for i := range rows {
		rows[i][1] = orDash(rows[i][1])
	}
	return table(stdout, []string{"FIELD", "VALUE"}, rows)
}
