// Package seed reads seed files (YAML, or JSON, which is YAML) and applies
// them to a deployment. Applying the same file twice changes nothing:
// records that already exist are left as they are.
package seed

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/core"
)

// File is the seed file format.
type File struct {
	Regions   []string   `yaml:"regions"`
	Accounts  []Account  `yaml:"accounts"`
	Images    []Image    `yaml:"images"`
	Shares    []Share    `yaml:"shares"`
	Instances []Instance `yaml:"instances"`
	// Community catalog versions, published and reviewed (community.go).
	Publications []Publication `yaml:"publications"`
	// Sub-users and access policies (ram.go; applied by ram.go here).
	Policies []Policy `yaml:"policies"`
	Groups   []Group  `yaml:"groups"`
	Users    []User   `yaml:"users"`
}

// Account is a seeded account and its keys.
type Account struct {
	ID             int64  `yaml:"id"`
	Name           string `yaml:"name"`
	OrganizationID int64  `yaml:"organization_id"`
	Keys           []Key  `yaml:"keys"`
}

// Key is a seeded access key pair.
type Key struct {
	PublicKey  string `yaml:"public_key"`
	PrivateKey string `yaml:"private_key"`
	Disabled   bool   `yaml:"disabled"`
}

// Image is a seeded image. Owner is omitted for System and App images.
type Image struct {
	ID          string   `yaml:"id"`
	Region      string   `yaml:"region"`
	Owner       int64    `yaml:"owner"`
	Type        string   `yaml:"type"`
	Status      string   `yaml:"status"`
	Name        string   `yaml:"name"`
	Description string   `yaml:"description"`
	SizeMB      int64    `yaml:"size"`
	Tags        []string `yaml:"tags"`
	Readme      string   `yaml:"readme"`
	Cover       string   `yaml:"cover"`
	Author      string   `yaml:"author"`
	OSName      string   `yaml:"os_name"`
	OSType      string   `yaml:"os_type"`
	// OS facts and vendor fields (docs/aliyun.md, docs/baidu.md).
	OSNameEn     string `yaml:"os_name_en"`
	OSVersion    string `yaml:"os_version"`
	OSLang       string `yaml:"os_lang"`
	Platform     string `yaml:"platform"`
	Architecture string `yaml:"architecture"` // x86_64 (default) | arm64 | i386
	BootMode     string `yaml:"boot_mode"`    // BIOS | UEFI
	ImageFamily  string `yaml:"image_family"`
	ImageVersion string `yaml:"image_version"`
	// Default: true for System and App images, false for others.
	IsSupportIoOptimized *bool     `yaml:"is_support_io_optimized"`
	IsSupportCloudinit   *bool     `yaml:"is_support_cloudinit"`
	KeyTags              []KeyTag  `yaml:"key_tags"`
	IsPublic             bool      `yaml:"is_public"`
	Visibility           int       `yaml:"visibility"`
	Price                float64   `yaml:"price"`
	GPUType              string    `yaml:"gpu_type"`
	Softwares            Software  `yaml:"softwares"`
	CreatedAt            time.Time `yaml:"created_at"`
}

// KeyTag is one key/value tag of a seeded image.
type KeyTag struct {
	Key   string `yaml:"key"`
	Value string `yaml:"value"`
}

// Software is an image's software description.
type Software struct {
	Applications     []string `yaml:"applications"`
	CUDAVersion      string   `yaml:"cuda_version"`
	Framework        string   `yaml:"framework"`
	FrameworkVersion string   `yaml:"framework_version"`
}

// Share shares Image with Account.
type Share struct {
	Image   string `yaml:"image"`
	Account int64  `yaml:"account"`
}

// Instance is a seeded instance. One with an Image is launched from it
// after the images, shares and publications, under the owner's launch
// permission (docs/instances.md); one without is a bare source instance.
type Instance struct {
	ID      string `yaml:"id"`
	Owner   int64  `yaml:"owner"`
	Region  string `yaml:"region"`
	GPUType string `yaml:"gpu_type"`

	Image        string `yaml:"image"`
	Name         string `yaml:"name"`
	Zone         string `yaml:"zone"`
	InstanceType string `yaml:"instance_type"`
	CPU          int    `yaml:"cpu"`
	MemoryMB     int    `yaml:"memory_mb"`
	GPUCount     int    `yaml:"gpu_count"`
	Status       string `yaml:"status"` // Running (default) or Stopped
}

// maxSeedBytes bounds a seed file so that a wrong path cannot eat memory.
const maxSeedBytes = 256 << 20

// ReadFile reads and parses a seed file.
func ReadFile(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxSeedBytes+1))
	if err != nil {
		return nil, fmt.Errorf("seed %s: %w", path, err)
	}
	if len(data) > maxSeedBytes {
		return nil, fmt.Errorf("seed %s: larger than %d bytes", path, maxSeedBytes)
	}
	f, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("seed %s: %w", path, err)
	}
	return f, nil
}

// Parse parses seed data, refusing unknown keys so that typos are caught.
func Parse(data []byte) (*File, error) {
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return &f, nil
}

//go:embed demo.yaml
var demoYAML []byte

// Demo returns the built-in demo dataset.
func Demo() *File {
	f, err := Parse(demoYAML)
	if err != nil {
		panic("seed: built-in demo data does not parse: " + err.Error())
	}
	return f
}

// Apply loads f into the deployment through op, the core's operator
// interface, so that a seed obeys the rules a tenant's calls do (served
// regions, who an image can be shared with, the per-image share cap).
// Existing records are kept as they are, so applying a file twice changes
// nothing.
func Apply(ctx context.Context, op core.Operator, f *File) error {
	now := op.Now().UTC()
	for _, r := range f.Regions {
		if r == "" {
			return errors.New("regions: empty region name")
		}
		if err := op.AddRegion(ctx, r); err != nil {
			return fmt.Errorf("regions (%s): %w", r, domainError(err))
		}
	}
	for i, a := range f.Accounts {
		if err := applyAccount(ctx, op, a, now); err != nil {
			return fmt.Errorf("accounts[%d] (%d %s): %w", i, a.ID, a.Name, err)
		}
	}
	for i, in := range f.Instances {
		if in.Image != "" {
			continue // launched below, once its image can be
		}
		if err := applyInstance(ctx, op, in, now); err != nil {
			return fmt.Errorf("instances[%d] (%s): %w", i, in.ID, err)
		}
	}
	for i, im := range f.Images {
		if err := applyImage(ctx, op, im, now); err != nil {
			return fmt.Errorf("images[%d] (%s): %w", i, im.ID, err)
		}
	}
	for i, sh := range f.Shares {
		if _, err := op.ShareImage(ctx, sh.Image, sh.Account); err != nil {
			return fmt.Errorf("shares[%d] (%s → %d): %w", i, sh.Image, sh.Account, domainError(err))
		}
	}
	for i, p := range f.Publications {
		if err := applyPublication(ctx, op, p); err != nil {
			return fmt.Errorf("publications[%d] (%s %s): %w", i, p.Image, p.Version, err)
		}
	}
	for i, in := range f.Instances {
		if in.Image == "" {
			continue
		}
		if err := applyLaunched(ctx, op, in, now); err != nil {
			return fmt.Errorf("instances[%d] (%s): %w", i, in.ID, err)
		}
	}
	return applyRAM(ctx, op, f)
}

// applyLaunched records an instance launched from its image.
func applyLaunched(ctx context.Context, op core.Operator, in Instance, now time.Time) error {
	if in.ID == "" || in.Owner <= 0 || in.Region == "" {
		return errors.New("id, owner and region are required")
	}
	status := imageshare.InstanceStatus(in.Status)
	if status != "" && status != imageshare.InstanceRunning && status != imageshare.InstanceStopped {
		return fmt.Errorf("status %q: Running or Stopped", in.Status)
	}
	if _, err := op.FindInstance(ctx, in.ID); err == nil {
		return nil
	} else if !imageshare.IsKind(err, imageshare.KindNotFound) {
		return err
	}
	err := op.AddLaunchedInstance(ctx, &imageshare.Instance{ID: in.ID, OwnerID: in.Owner, Region: in.Region, Zone: in.Zone,
		Name: in.Name, ImageID: in.Image, InstanceType: in.InstanceType, CPU: in.CPU, MemoryMB: in.MemoryMB,
		GPUType: in.GPUType, GPUCount: in.GPUCount, Status: status, CreatedAt: now})
	return domainError(createdMeanwhile(err, func() error { _, err := op.FindInstance(ctx, in.ID); return err }))
}

func applyAccount(ctx context.Context, op core.Operator, a Account, now time.Time) error {
	if a.ID <= 0 || a.Name == "" {
		return errors.New("id (positive) and name are required")
	}
	_, err := op.FindAccount(ctx, a.ID)
	switch {
	case imageshare.IsKind(err, imageshare.KindNotFound):
		err := op.AddAccount(ctx, &imageshare.Account{ID: a.ID, Name: a.Name, OrganizationID: a.OrganizationID, CreatedAt: now})
		if err := createdMeanwhile(err, func() error { _, err := op.FindAccount(ctx, a.ID); return err }); err != nil {
			return domainError(err)
		}
	case err != nil:
		return err
	}
	for _, k := range a.Keys {
		if err := applyKey(ctx, op, k, a.ID, 0, now); err != nil {
			return err
		}
	}
	return nil
}

// applyKey adds a key pair of the account (or of its sub-user userID)
// unless a key with that public key exists.
func applyKey(ctx context.Context, op core.Operator, k Key, accountID, userID int64, now time.Time) error {
	if k.PublicKey == "" || k.PrivateKey == "" {
		return errors.New("keys need public_key and private_key")
	}
	if _, err := op.FindKey(ctx, k.PublicKey); err == nil {
		return nil
	} else if !imageshare.IsKind(err, imageshare.KindNotFound) {
		return err
	}
	err := op.AddKey(ctx, &imageshare.AccessKey{
		PublicKey: k.PublicKey, PrivateKey: k.PrivateKey, AccountID: accountID, UserID: userID, Enabled: !k.Disabled, CreatedAt: now,
	})
	return domainError(createdMeanwhile(err, func() error { _, err := op.FindKey(ctx, k.PublicKey); return err }))
}

func applyInstance(ctx context.Context, op core.Operator, in Instance, now time.Time) error {
	if in.ID == "" || in.Owner <= 0 || in.Region == "" {
		return errors.New("id, owner and region are required")
	}
	if _, err := op.FindInstance(ctx, in.ID); err == nil {
		return nil
	} else if !imageshare.IsKind(err, imageshare.KindNotFound) {
		return err
	}
	_, err := op.CreateInstance(ctx, &imageshare.Instance{ID: in.ID, OwnerID: in.Owner, Region: in.Region, GPUType: in.GPUType, CreatedAt: now})
	return domainError(createdMeanwhile(err, func() error { _, err := op.FindInstance(ctx, in.ID); return err }))
}

// createdMeanwhile passes err through, except a conflict on creating a
// record that find now finds: another replica applying the same seed at
// the same time created it between this one's check and create.
func createdMeanwhile(err error, find func() error) error {
	if imageshare.IsKind(err, imageshare.KindConflict) && find() == nil {
		return nil
	}
	return err
}

func applyImage(ctx context.Context, op core.Operator, im Image, now time.Time) error {
	typ := imageshare.ImageType(im.Type)
	if im.ID == "" || im.Region == "" || im.Name == "" {
		return errors.New("id, region and name are required")
	}
	if !typ.Valid() {
		return fmt.Errorf("type %q: want System, App, Custom or Community", im.Type)
	}
	if _, err := op.FindImage(ctx, im.ID); err == nil {
		return nil
	} else if !imageshare.IsKind(err, imageshare.KindNotFound) {
		return err
	}
	created := im.CreatedAt.UTC()
	if im.CreatedAt.IsZero() {
		created = now
	}
	osType := im.OSType
	if osType == "" {
		osType = "linux"
	}
	if osType != "linux" && osType != "windows" {
		return fmt.Errorf("os_type %q: want linux or windows", im.OSType)
	}
	arch := im.Architecture
	if arch == "" {
		arch = imageshare.ArchX86_64
	}
	if !imageshare.ValidArchitecture(arch) {
		return fmt.Errorf("architecture %q: want x86_64, arm64 or i386", im.Architecture)
	}
	if !imageshare.ValidBootMode(im.BootMode) {
		return fmt.Errorf("boot_mode %q: want BIOS or UEFI", im.BootMode)
	}
	keyTags := make([]imageshare.Tag, 0, len(im.KeyTags))
	seen := map[string]bool{}
	for _, t := range im.KeyTags {
		if t.Key == "" || seen[t.Key] {
			return fmt.Errorf("key_tags: key %q is empty or repeated", t.Key)
		}
		seen[t.Key] = true
		keyTags = append(keyTags, imageshare.Tag{Key: t.Key, Value: t.Value})
	}
	platform := typ == imageshare.ImageSystem || typ == imageshare.ImageApp
	orPlatform := func(b *bool) bool {
		if b == nil {
			return platform
		}
		return *b
	}
	err := op.AddImage(ctx, &imageshare.Image{
		OSNameEn: im.OSNameEn, OSVersion: im.OSVersion, OSLang: im.OSLang, Platform: im.Platform,
		Architecture: arch, BootMode: im.BootMode, ImageFamily: im.ImageFamily, ImageVersion: im.ImageVersion,
		IsSupportIoOptimized: orPlatform(im.IsSupportIoOptimized), IsSupportCloudinit: orPlatform(im.IsSupportCloudinit),
		KeyTags: keyTags,
		ID:      im.ID, Region: im.Region, OwnerID: im.Owner, Type: typ, Status: imageshare.ImageStatus(im.Status),
		Name: im.Name, Description: im.Description, SizeMB: im.SizeMB, Tags: im.Tags,
		CreatedAt: created, Readme: im.Readme, Cover: im.Cover, Author: im.Author,
		Visibility: im.Visibility, Price: im.Price, SourceGPUType: im.GPUType,
		IsPublic: im.IsPublic, OSName: im.OSName, OSType: osType,
		IsOfficial: platform,
		Softwares: imageshare.Software{
			Applications: im.Softwares.Applications, CUDAVersion: im.Softwares.CUDAVersion,
			Framework: im.Softwares.Framework, FrameworkVersion: im.Softwares.FrameworkVersion,
		},
	})
	return domainError(createdMeanwhile(err, func() error { _, err := op.FindImage(ctx, im.ID); return err }))
}
