package e2e

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
)

// InstanceId.N of DescribeInstanceStatus and the batch power actions
// takes up to 100 ids, as ECS documents, not the generic ten of other
// lists: twelve real instances are described and stopped in one call,
// and a 101st id is refused with the documented InvalidParameter.
func TestInstances_AliyunInstanceIDListUpTo100(t *testing.T) {
	srv := apptest.Start(t, func(c *app.Config) { c.BuildDuration = 0 })
	sys := platformImage(t, srv, aliyunRegion)
	_, key := srv.Account(t, "")
	c := aliyunClient(t, srv, key)
	ids, err := runInstances(c, sys.ID, 12)
	mustOK(t, err)
	if len(ids) != 12 {
		t.Fatalf("RunInstances launched %d instances, want 12", len(ids))
	}

	st := ecs.CreateDescribeInstanceStatusRequest()
	st.InstanceId, st.PageSize = &ids, "50"
	status, err := c.DescribeInstanceStatus(st)
	mustOK(t, err)
	if got := len(status.InstanceStatuses.InstanceStatus); got != 12 || status.TotalCount != 12 {
		t.Fatalf("DescribeInstanceStatus of 12 ids: %d statuses, total %d", got, status.TotalCount)
	}

	stop := ecs.CreateStopInstancesRequest()
	stop.InstanceId = &ids
	_, err = c.StopInstances(stop)
	mustOK(t, err)

	tooMany := make([]string, 101)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf("i-%020d", i)
	}
	const want = `The specified parameter "InstanceId.N" is not valid: at most 100 instances.`
	st = ecs.CreateDescribeInstanceStatusRequest()
	st.InstanceId = &tooMany
	_, err = c.DescribeInstanceStatus(st)
	if se := wantAliyunError(t, err, "InvalidParameter", http.StatusBadRequest); se.Message() != want {
		t.Fatalf("DescribeInstanceStatus of 101 ids: %q, want %q", se.Message(), want)
	}
	start := ecs.CreateStartInstancesRequest()
	start.InstanceId = &tooMany
	_, err = c.StartInstances(start)
	if se := wantAliyunError(t, err, "InvalidParameter", http.StatusBadRequest); se.Message() != want {
		t.Fatalf("StartInstances of 101 ids: %q, want %q", se.Message(), want)
	}
}
