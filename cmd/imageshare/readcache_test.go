package main

import "testing"

// read_cache and read_cache_mb become app.Config.ReadCacheBytes: on with
// 16 MiB by default, off (negative) with --read-cache=false.
func TestConfig_ReadCache(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		args []string
		want int64
	}{
		{nil, nil, 16 << 20},
		{nil, []string{"--read-cache=false"}, -1},
		{map[string]string{"IMAGESHARE_READ_CACHE": "false"}, nil, -1},
		{map[string]string{"IMAGESHARE_READ_CACHE_MB": "8"}, nil, 8 << 20},
	} {
		conf, err := resolveWith(t, c.env, c.args...)
		if err != nil {
			t.Fatal(err)
		}
		if got := conf.appConfig().ReadCacheBytes; got != c.want {
			t.Errorf("%v %v: ReadCacheBytes = %d, want %d", c.env, c.args, got, c.want)
		}
	}
	if _, err := resolveWith(t, nil, "--read-cache-mb", "0"); err == nil {
		t.Error("read-cache-mb 0 accepted")
	}
}
