package e2e

import (
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
	"github.com/baidubce/bce-sdk-go/services/bcc/api"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
)

// A launch's ClientToken holds across replicas (two servers on one
// PostgreSQL store; one on SQLite): the same RunInstances sent to both,
// concurrently, launches once and both answer the same ids; BCC's
// clientToken alike; other parameters with the token are refused.
func TestInstances_ClientTokenAcrossReplicas(t *testing.T) {
	replicas := 1
	if apptest.StoreKind() == "postgres" {
		replicas = 2
	}
	dsn := apptest.StoreDSN(t)
	var servers []*apptest.Server
	for range replicas {
		servers = append(servers, apptest.Start(t, func(c *app.Config) { c.DB = dsn }))
	}
	first := servers[0]
	sysECS := platformImage(t, first, aliyunRegion)
	sysBCC := first.Image(t, &imageshare.Image{Region: baiduRegion, Type: imageshare.ImageSystem, Name: "Ubuntu", OSType: "linux"})
	owner, key := first.Account(t, "")

	run := func(srv *apptest.Server, amount int) ([]string, error) {
		req := ecs.CreateRunInstancesRequest()
		req.ImageId, req.InstanceType, req.ClientToken = sysECS.ID, "ecs.g7.large", "run-once-1"
		req.Amount = requests.NewInteger(amount)
		resp, err := aliyunClient(t, srv, key).RunInstances(req)
		if err != nil {
			return nil, err
		}
		return resp.InstanceIdSets.InstanceIdSet, nil
	}
	const calls = 4
	got := make([][]string, calls)
	errs := make([]error, calls)
	var wg sync.WaitGroup
	for i := range calls {
		wg.Go(func() { got[i], errs[i] = run(servers[i%len(servers)], 2) })
	}
	wg.Wait()
	for i := range calls {
		mustOK(t, errs[i])
		if len(got[i]) != 2 || !slices.Equal(got[i], got[0]) {
			t.Fatalf("replica answers differ: %v", got)
		}
	}
	if ids := ownerInstances(t, first, owner); len(ids) != 2 {
		t.Fatalf("%d instances after %d calls with one token, want 2", len(ids), calls)
	}
	_, err := run(servers[len(servers)-1], 3)
	wantAliyunError(t, err, "IdempotentParameterMismatch", http.StatusBadRequest)

	create := func(srv *apptest.Server) ([]string, error) {
		resp, err := baiduClient(t, srv, key).CreateInstance(&api.CreateInstanceArgs{ImageId: sysBCC.ID, ClientToken: "bcc-once-1", CpuCount: 2, MemoryCapacityInGB: 8})
		if err != nil {
			return nil, err
		}
		return resp.InstanceIds, nil
	}
	a, err := create(servers[0])
	baiduOK(t, err)
	b, err := create(servers[len(servers)-1])
	baiduOK(t, err)
	if !slices.Equal(a, b) || len(a) != 1 {
		t.Fatalf("BCC clientToken replay: %v then %v", a, b)
	}
	// The ECS pair in cn-hangzhou and the BCC one in bj.
	if ids := ownerInstances(t, first, owner); len(ids) != 3 {
		t.Fatalf("%d instances after the BCC replay, want 3", len(ids))
	}
}
