package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app"
)

// Defaults fills an unset field with DefaultConfig's value: the two agree.
func TestDefaultsAreDefaultConfig(t *testing.T) {
	got, want := app.Config{}.Defaults(), app.DefaultConfig()
	got.Logger, got.Now = nil, nil
	// BuildDuration is the one field whose zero is a setting: at once.
	want.BuildDuration = 0
	if got.Listen != want.Listen || got.DB != want.DB || got.MaxSharesPerImage != want.MaxSharesPerImage ||
		got.UCloudAccountIDType != want.UCloudAccountIDType || got.BaiduDefaultRegion != want.BaiduDefaultRegion ||
		got.MaxBodyBytes != want.MaxBodyBytes || got.ShutdownTimeout != want.ShutdownTimeout ||
		got.BuildDuration != want.BuildDuration || got.BuildCheckInterval != want.BuildCheckInterval ||
		got.MaxConcurrentRequests != want.MaxConcurrentRequests {
		t.Fatalf("Config{}.Defaults() = %+v\nDefaultConfig() = %+v", got, want)
	}
	if d := app.DefaultConfig(); d.BuildDuration != imageshare.DefaultBuildDuration || d.MaxSharesPerImage != imageshare.DefaultMaxSharesPerImage {
		t.Fatalf("DefaultConfig() = %+v", d)
	}
}

// BuildDuration 0 means builds finish at once, in app.Config as in the
// binary's --build-duration 0; DefaultConfig's builds take their time.
func TestBuildDurationZeroIsImmediate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build time.Duration
		want  imageshare.ImageStatus
	}{
		{"zero", 0, imageshare.StatusAvailable},
		{"negative", -time.Second, imageshare.StatusAvailable},
		{"default", app.DefaultConfig().BuildDuration, imageshare.StatusMaking},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			cfg := app.DefaultConfig()
			cfg.DB, cfg.BuildDuration = "sqlite::memory:", tc.build
			m := app.New(cfg)
			if err := m.OpenService(ctx); err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			a := &imageshare.Account{Name: "a@example.com"}
			if _, err := m.Service.CreateAccount(ctx, a); err != nil {
				t.Fatal(err)
			}
			in, err := m.Service.CreateInstance(ctx, &imageshare.Instance{OwnerID: a.ID, Region: "cn-wlcb"})
			if err != nil {
				t.Fatal(err)
			}
			im, err := m.Service.CreateCustomImage(ctx, imageshare.Caller{AccountID: a.ID}, imageshare.CustomImageRequest{InstanceID: in.ID, Name: "n"})
			if err != nil {
				t.Fatal(err)
			}
			if im.Status != tc.want {
				t.Fatalf("BuildDuration %v: a new image is %s, want %s", tc.build, im.Status, tc.want)
			}
		})
	}
}
