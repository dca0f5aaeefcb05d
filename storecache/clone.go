package storecache

import (
	"slices"

	"github.com/imageshare/imageshare"
)

// Copies in and out of the cache: the core and the dialects may change the
// records they are given (Authenticate sets AccessKey.RAMVersion).

func cloneValue[T any](p *T) *T {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}

func cloneAll[T any](ps []*T) []*T {
	if ps == nil {
		return nil
	}
	out := make([]*T, len(ps))
	for i, p := range ps {
		out[i] = cloneValue(p)
	}
	return out
}

func cloneSlice[T any](s []T) []T { return slices.Clone(s) }

func cloneImage(im *imageshare.Image) *imageshare.Image {
	if im == nil {
		return nil
	}
	c := *im
	c.Tags = slices.Clone(im.Tags)
	c.KeyTags = slices.Clone(im.KeyTags)
	c.Softwares.Applications = slices.Clone(im.Softwares.Applications)
	return &c
}

func clonePrincipal(p *imageshare.Principal) *imageshare.Principal {
	if p == nil {
		return nil
	}
	return &imageshare.Principal{User: cloneValue(p.User), Policies: cloneAll(p.Policies), Version: p.Version}
}

func cloneGroups(l *imageshare.VersionGroupList) *imageshare.VersionGroupList {
	if l == nil {
		return nil
	}
	c := *l
	if l.Groups != nil {
		c.Groups = make([]*imageshare.VersionGroup, len(l.Groups))
		for i, g := range l.Groups {
			gc := *g
			if g.Versions != nil {
				gc.Versions = make([]*imageshare.Image, len(g.Versions))
				for j, v := range g.Versions {
					gc.Versions[j] = cloneImage(v)
				}
			}
			c.Groups[i] = &gc
		}
	}
	return &c
}

// imageSize estimates an image's bytes: the struct (about 1 KB of
// headers, times and counters) and its texts.
func imageSize(im *imageshare.Image) int64 {
	if im == nil {
		return 0
	}
	n := 1100 + len(im.ID) + len(im.Region) + len(im.Name) + len(im.Description) + len(im.Readme) + len(im.Cover) +
		len(im.Author) + len(im.SourceGPUType) + len(im.SourceInstance) + len(im.FailedReason) + len(im.GroupID) +
		len(im.VersionName) + len(im.VersionDesc) + len(im.OSName) + len(im.OSNameEn) + len(im.ImageFamily) + len(im.ImageVersion) +
		len(im.Softwares.CUDAVersion) + len(im.Softwares.Framework) + len(im.Softwares.FrameworkVersion)
	for _, t := range im.Tags {
		n += 16 + len(t)
	}
	for _, t := range im.Softwares.Applications {
		n += 16 + len(t)
	}
	for _, t := range im.KeyTags {
		n += 32 + len(t.Key) + len(t.Value)
	}
	return int64(n)
}

func stringsSize(s []string) int64 {
	n := int64(24)
	for _, x := range s {
		n += 16 + int64(len(x))
	}
	return n
}
