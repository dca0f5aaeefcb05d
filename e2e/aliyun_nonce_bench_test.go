package e2e

import (
	"io"
	"net/http"
	"runtime"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app/apptest"
)

// BenchmarkAliyunDescribeShares16 is the Alibaba hot read in process, as
// the benchmark harness sends it: DescribeImageSharePermission, signed
// V2 with a fresh nonce each, from 16 concurrent clients over keep-alive
// connections to a real server on a SQLite file (or PostgreSQL under
// IMAGESHARE_TEST_DB=postgres). Every request records its nonce
// (docs/nonces.md). Run with
//
//	go test ./e2e -run '^$' -bench AliyunDescribeShares16 -benchtime 3000x
func BenchmarkAliyunDescribeShares16(b *testing.B) {
	srv := apptest.Start(b)
	owner, key := srv.Account(b, "")
	other, _ := srv.Account(b, "")
	im := srv.Image(b, &imageshare.Image{Region: aliyunRegion, OwnerID: owner.ID, Type: imageshare.ImageCustom, OSName: "Ubuntu 22.04 64位", OSType: "linux", SizeMB: 20480})
	if _, err := srv.Svc.ModifyShares(b.Context(), imageshare.Caller{AccountID: owner.ID}, imageshare.ShareRequest{
		ImageID: im.ID, Region: aliyunRegion, Add: []int64{other.ID}}); err != nil {
		b.Fatal(err)
	}
	op := apiOp{dialect: dAliyun, action: "DescribeImageSharePermission", params: map[string]string{"ImageId": im.ID}}
	c := keyCred(key)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Do(aliyunRequest(b, srv.URL, op, c))
			if err != nil {
				b.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("%d %s", resp.StatusCode, body)
			}
		}
	})
}
