package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/sqlite"
)

// datasetVersion changes whenever generate writes different rows, so that
// a dataset made by an older harness is not reused.
const datasetVersion = 1

// benchRegion holds every generated image; the server is started with it
// as the Baidu default region, so all three dialects reach the same rows.
const benchRegion = "cn-wlcb"

// Spec is the size of a generated dataset.
type Spec struct {
	Name      string `json:"name"`
	Images    int    `json:"images"`    // custom images
	Accounts  int    `json:"accounts"`  // accounts, one access key each
	Shares    int    `json:"shares"`    // shares, spread evenly over the custom images
	Community int    `json:"community"` // community versions (Available, public)
}

// Bounds of the flags, as the issue sets them.
const (
	maxImages    = 1_000_000
	maxAccounts  = 100_000
	maxShares    = 10_000_000
	maxCommunity = 1_000_000
	// versionsPerPublisher and versionsPerGroup keep the catalog's shape
	// the same at every size: each publisher has 10 versions in 2 groups,
	// and each fuzzy query word names one publisher's 10 versions.
	versionsPerPublisher = 10
	versionsPerGroup     = 5
)

// sizeSpec returns the preset named by a size such as "1k", "100k" or
// "1M": that many custom images and community versions, ten shares per
// image, and an account per ten images (at least 1,000, at most 100,000).
func sizeSpec(size string) (Spec, error) {
	s := strings.TrimSpace(size)
	mult := 1
	switch {
	case strings.HasSuffix(s, "k"), strings.HasSuffix(s, "K"):
		mult, s = 1000, s[:len(s)-1]
	case strings.HasSuffix(s, "M"), strings.HasSuffix(s, "m"):
		mult, s = 1_000_000, s[:len(s)-1]
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return Spec{}, fmt.Errorf("dataset size %q: want a number of images such as 1k, 100k or 1M", size)
	}
	images := n * mult
	spec := Spec{Name: size, Images: images, Accounts: min(max(images/10, 1000), maxAccounts), Shares: 10 * images, Community: images}
	return spec, spec.validate()
}

func (s Spec) validate() error {
	switch {
	case s.Images < 1 || s.Images > maxImages:
		return fmt.Errorf("images: %d is not between 1 and %d", s.Images, maxImages)
	case s.Accounts < 2*imageshare.DefaultMaxSharesPerImage || s.Accounts > maxAccounts:
		return fmt.Errorf("accounts: %d is not between %d and %d", s.Accounts, 2*imageshare.DefaultMaxSharesPerImage, maxAccounts)
	case s.Shares < 0 || s.Shares > maxShares:
		return fmt.Errorf("shares: %d is not between 0 and %d", s.Shares, maxShares)
	case s.Shares > s.Images*(imageshare.DefaultMaxSharesPerImage-modifyHeadroom):
		return fmt.Errorf("shares: %d would put more than %d on an image (the share cap leaves room for the modify scenario)",
			s.Shares, imageshare.DefaultMaxSharesPerImage-modifyHeadroom)
	case s.Community < versionsPerPublisher || s.Community > maxCommunity:
		return fmt.Errorf("community versions: %d is not between %d and %d", s.Community, versionsPerPublisher, maxCommunity)
	}
	return nil
}

// modifyHeadroom is how many shares below the cap each image is kept, so
// that the modify scenario's additions never hit the share quota.
const modifyHeadroom = 10

// key returns the stable name of the dataset directory: the spec and the
// generator version.
func (s Spec) key() string {
	b, _ := json.Marshal(struct {
		Spec
		Version int
	}{s, datasetVersion})
	sum := sha256.Sum256(b)
	return fmt.Sprintf("%d-images-%s", s.Images, hex.EncodeToString(sum[:4]))
}

// Everything below derives a record from its index, so that the load
// generator knows every id and key without reading the store.

var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func accountID(i int) int64       { return int64(i) + 1 } // i in [0, Accounts)
func accountName(id int64) string { return fmt.Sprintf("bench%06d@example.com", id) }
func publicKey(id int64) string   { return fmt.Sprintf("BENCHPUB%07d", id) }
func privateKey(id int64) string {
	return fmt.Sprintf("bench-private-key-%07d-%x", id, id*2654435761%4294967296)
}
func imageID(i int) string             { return fmt.Sprintf("compshareImage-bench%07d", i) }
func imageOwner(s Spec, i int) int64   { return accountID(i % s.Accounts) }
func versionID(c int) string           { return fmt.Sprintf("compshareImage-ver%07d", c) }
func versionOwner(s Spec, c int) int64 { return accountID((c / versionsPerPublisher) % s.Accounts) }

// sharesOf returns how many shares image i gets: Shares spread evenly.
func sharesOf(s Spec, i int) int {
	n := s.Shares / s.Images
	if i < s.Shares%s.Images {
		n++
	}
	return n
}

// sharedWith returns the j-th account image i is shared with: the
// owner's successors at a stride, which never wraps onto the owner. The
// offsets used are 1+j*stride; the modify scenario adds offsets 2..,
// which they never take while stride > 1+connections.
func sharedWith(s Spec, i, j int) int64 {
	n := sharesOf(s, i)
	stride := (s.Accounts - 1) / (n + 1)
	owner := i % s.Accounts
	return accountID((owner + 1 + j*stride) % s.Accounts)
}

// maxModifyWorkers is how many modify workers can each have an account
// of their own that no image of spec is shared with (offsets 2.. below
// the smallest share stride).
func maxModifyWorkers(s Spec) int {
	n := s.Shares/s.Images + 1
	stride := (s.Accounts - 1) / (n + 1)
	return max(stride-2, 0)
}

// Catalog names: a family, a variant and a word of six letters that only
// one publisher's ten versions carry, so that a fuzzy query for a
// "variant-word" matches ten versions at every catalog size.
var (
	families = []string{"Llama", "Qwen", "Mistral", "Stable-Diffusion", "ComfyUI", "Whisper", "DeepSeek", "Yi", "ChatGLM", "Baichuan",
		"Phi", "Gemma", "Falcon", "InternLM", "MiniCPM", "Flux", "SDXL", "Bert", "T5", "Vicuna"}
	variants = []string{"base", "chat", "instruct", "coder", "vision", "math", "turbo", "lora", "gguf", "awq"}
	tags     = []string{"llm", "diffusion", "audio", "vision", "finetune", "inference", "training", "notebook"}
)

// word returns a six-letter word for n < 21^3*5^3 (1,157,625), distinct for
// distinct n.
func word(n int) string {
	const consonants, vowels = "bcdfghjklmnpqrstvwxyz", "aeiou"
	var b [6]byte
	for k := 0; k < 3; k++ {
		b[2*k] = consonants[n%21]
		n /= 21
		b[2*k+1] = vowels[n%5]
		n /= 5
	}
	return string(b[:])
}

func versionName(c int) string {
	p := c / versionsPerPublisher
	return families[c%len(families)] + "-" + variants[p%len(variants)] + "-" + word(p)
}

// fuzzyQuery is the catalog search that finds publisher p's versions.
func fuzzyQuery(p int) string { return variants[p%len(variants)] + "-" + word(p) }

// datasetDir returns where spec's dataset lives under root.
func datasetDir(root string, s Spec) string { return filepath.Join(root, "datasets", s.key()) }

// manifest records a finished dataset.
type manifest struct {
	Spec       Spec    `json:"spec"`
	Version    int     `json:"version"`
	Seconds    float64 `json:"generation_seconds"`
	Bytes      int64   `json:"bytes"`
	FinishedAt string  `json:"finished_at"`
	// SearchOptimized says the catalog's search indexes were merged after
	// the load (the BulkLoader does so on Close since it was added).
	SearchOptimized bool `json:"search_optimized"`
}

const manifestFile = "manifest.json"

// ensureDataset returns the path of spec's database, generating it unless
// a finished one is there already.
func ensureDataset(ctx context.Context, root string, s Spec, progress *progressReporter) (string, *manifest, error) {
	dir := datasetDir(root, s)
	dbPath := filepath.Join(dir, "imageshare.db")
	if b, err := os.ReadFile(filepath.Join(dir, manifestFile)); err == nil {
		var m manifest
		if json.Unmarshal(b, &m) == nil && m.Spec == s && m.Version == datasetVersion {
			if !m.SearchOptimized {
				// Made before the loader merged the search indexes: merge
				// them now rather than measure a layout no load leaves.
				if err := optimizeSearch(ctx, dbPath); err != nil {
					return "", nil, fmt.Errorf("optimize dataset %s: %w", s.Name, err)
				}
				m.SearchOptimized = true
				if err := writeManifest(dir, &m); err != nil {
					return "", nil, err
				}
			}
			return dbPath, &m, nil
		}
	}
	// A missing or unfinished dataset is made again from nothing.
	if err := os.RemoveAll(dir); err != nil {
		return "", nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, err
	}
	start := time.Now()
	if err := generate(ctx, dbPath, s, progress); err != nil {
		return "", nil, fmt.Errorf("generate dataset %s: %w", s.Name, err)
	}
	m := &manifest{Spec: s, Version: datasetVersion, Seconds: time.Since(start).Seconds(),
		Bytes: dirBytes(dir), FinishedAt: time.Now().UTC().Format(time.RFC3339), SearchOptimized: true}
	if err := writeManifest(dir, m); err != nil {
		return "", nil, err
	}
	return dbPath, m, nil
}

func writeManifest(dir string, m *manifest) error {
	b, _ := json.MarshalIndent(m, "", "  ")
	return os.WriteFile(filepath.Join(dir, manifestFile), b, 0o644)
}

// optimizeSearch merges the search indexes of the database at dbPath.
func optimizeSearch(ctx context.Context, dbPath string) error {
	st, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		return err
	}
	return errors.Join(st.OptimizeSearch(ctx), st.Close())
}

// dirBytes is the size of the files in dir.
func dirBytes(dir string) int64 {
	var n int64
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if info, err := e.Info(); err == nil && !e.IsDir() {
			n += info.Size()
		}
	}
	return n
}

// generate writes spec's records through the store's bulk loader.
func generate(ctx context.Context, dbPath string, s Spec, progress *progressReporter) error {
	st, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		return err
	}
	// Closing checkpoints the WAL: the server finds every page in the
	// main file, as after a clean shutdown.
	defer st.Close()
	for _, r := range []string{benchRegion, "cn-hangzhou", "bj"} {
		if err := st.AddRegion(ctx, r); err != nil {
			return err
		}
	}
	b := st.NewBulkLoader(0)
	defer b.Abort()
	total := int64(2*s.Accounts + s.Images + s.Shares + s.Community)
	progress.start("dataset "+s.Name, total)
	defer progress.finish()

	for i := range s.Accounts {
		id := accountID(i)
		if err := b.Account(ctx, &imageshare.Account{ID: id, Name: accountName(id), CreatedAt: epoch}); err != nil {
			return err
		}
		if err := b.AccessKey(ctx, &imageshare.AccessKey{PublicKey: publicKey(id), PrivateKey: privateKey(id),
			AccountID: id, Enabled: true, CreatedAt: epoch}); err != nil {
			return err
		}
		progress.add(2)
	}
	for i := range s.Images {
		if err := ctx.Err(); err != nil {
			return err
		}
		created := epoch.Add(time.Duration(i) * time.Second)
		owner := imageOwner(s, i)
		im := &imageshare.Image{
			ID: imageID(i), Region: benchRegion, OwnerID: owner, Type: imageshare.ImageCustom, Status: imageshare.StatusAvailable,
			Name: fmt.Sprintf("bench-image-%07d", i), Description: "benchmark custom image", SizeMB: 20480,
			Tags: []string{tags[i%len(tags)]}, CreatedAt: created, SourceGPUType: "4090", SourceInstance: fmt.Sprintf("uhost-bench%07d", i),
			Softwares: imageshare.Software{Applications: []string{"jupyter"}, CUDAVersion: "12.1", Framework: "PyTorch", FrameworkVersion: "2.3"},
			OSName:    "Ubuntu 22.04", OSType: "linux",
		}
		if err := b.Image(ctx, im); err != nil {
			return err
		}
		n := sharesOf(s, i)
		for j := range n {
			if err := b.Share(ctx, &imageshare.Share{ImageID: im.ID, AccountID: sharedWith(s, i, j),
				SharedAt: created.Add(time.Duration(j+1) * time.Millisecond), SharedBy: owner}); err != nil {
				return err
			}
		}
		progress.add(int64(1 + n))
	}
	for c := range s.Community {
		if err := ctx.Err(); err != nil {
			return err
		}
		created := epoch.Add(time.Duration(c) * time.Second)
		owner := versionOwner(s, c)
		v := &imageshare.Image{
			ID: versionID(c), Region: benchRegion, OwnerID: owner, Type: imageshare.ImageCommunity, Status: imageshare.StatusAvailable,
			Name: versionName(c), Description: "benchmark community version", SizeMB: 30720,
			Tags: []string{tags[c%len(tags)], tags[(c/3)%len(tags)]}, CreatedAt: created, PublishedAt: created.Add(time.Hour),
			Author: fmt.Sprintf("publisher-%d", owner), Visibility: 1, Price: float64(c%4) * 0.5, ImageCharge: c%4 != 0,
			GroupID:     fmt.Sprintf("compshareGroup-bench%07d", c/versionsPerGroup),
			VersionName: fmt.Sprintf("v%d", c%versionsPerGroup+1), CreatedCount: int64(c % 97), FavoritesCount: int64(c % 31),
			Softwares: imageshare.Software{Applications: []string{"jupyter", "webui"}, CUDAVersion: "12.1"},
			OSName:    "Ubuntu 22.04", OSType: "linux", SourceGPUType: "4090",
		}
		if err := b.Image(ctx, v); err != nil {
			return err
		}
		progress.add(1)
	}
	return b.Close(ctx)
}
