package core

import (
	"github.com/imageshare/imageshare"
)

// The per-account quotas and the bounds on image texts: the one place the
// core decides them (SECURITY.md, issue 17 finding 9). Text bounds are
// checked here, before anything is read; the quotas on counts and total
// bytes are passed to the store, which checks them inside the transaction
// that would cross them (imageshare.Quota), so that concurrent creates of
// one account cannot pass them together.

// Limits configures the quotas and text bounds. A zero field takes its
// default (DefaultLimits); a negative quota field is no bound. Text bounds
// are always bounded.
type Limits struct {
	// MaxCustomImages caps an account's Custom images.
	MaxCustomImages int
	// MaxCommunityVersions caps an account's Community versions.
	MaxCommunityVersions int
	// MaxTextBytes caps the bytes of all of an account's image texts
	// together (imageshare.TextBytesOf).
	MaxTextBytes int64
	// MaxInstances caps an account's instances (instance.go).
	MaxInstances int

	// Bounds on one image's texts, in bytes.
	MaxNameBytes        int // an image, version or copy name
	MaxDescriptionBytes int // a description or version description
	MaxReadmeBytes      int
	MaxCoverBytes       int // a cover URL or base64 image
}

// DefaultLimits are the server's defaults (app.DefaultConfig's).
func DefaultLimits() Limits {
	return Limits{
		MaxCustomImages:      imageshare.DefaultMaxCustomImages,
		MaxCommunityVersions: imageshare.DefaultMaxCommunityVersions,
		MaxTextBytes:         imageshare.DefaultMaxTextBytes,
		MaxInstances:         imageshare.DefaultMaxInstances,
		MaxNameBytes:         imageshare.MaxImageNameBytes,
		MaxDescriptionBytes:  imageshare.MaxDescriptionBytes,
		MaxReadmeBytes:       imageshare.MaxReadmeBytes,
		MaxCoverBytes:        imageshare.MaxCoverBytes,
	}
}

// WithDefaults fills l's zero fields from DefaultLimits.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits()
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&l.MaxCustomImages, d.MaxCustomImages)
	def(&l.MaxCommunityVersions, d.MaxCommunityVersions)
	def(&l.MaxInstances, d.MaxInstances)
	if l.MaxTextBytes == 0 {
		l.MaxTextBytes = d.MaxTextBytes
	}
	for _, f := range []struct {
		v *int
		d int
	}{{&l.MaxNameBytes, d.MaxNameBytes}, {&l.MaxDescriptionBytes, d.MaxDescriptionBytes},
		{&l.MaxReadmeBytes, d.MaxReadmeBytes}, {&l.MaxCoverBytes, d.MaxCoverBytes}} {
		if *f.v <= 0 {
			*f.v = f.d
		}
	}
	return l
}

// quota is the account quota the store checks: a negative limit is no
// bound, which imageshare.Quota spells 0.
func (l Limits) quota() imageshare.Quota {
	return imageshare.Quota{
		MaxCustomImages:      max(l.MaxCustomImages, 0),
		MaxCommunityVersions: max(l.MaxCommunityVersions, 0),
		MaxTextBytes:         max(l.MaxTextBytes, 0),
	}
}

// Limits returns the service's effective limits.
func (s *Service) Limits() Limits { return s.limits }

// imageName trims and checks an image or version name.
func (s *Service) imageName(what, name string) (string, error) {
	return imageName(what, name, s.limits.MaxNameBytes)
}

// description, readme and cover are the text fields of a request,
// bounded by the configured limits.
func (s *Service) description(what string, v *string) textField {
	return textField{what, v, s.limits.MaxDescriptionBytes}
}

func (s *Service) readme(v *string) textField { return textField{"readme", v, s.limits.MaxReadmeBytes} }

func (s *Service) cover(v *string) textField { return textField{"cover", v, s.limits.MaxCoverBytes} }
