package baidu

import (
	"context"
	"strings"
	"time"
)

// The default network's list calls (docs/baidu.md "Instances"): the
// caller's default security group of the region and the region's zones.
// Subnets are the VPC service's (bce-sdk-go services/vpc), not served.

type securityGroupModel struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Desc        string   `json:"desc"`
	VpcID       string   `json:"vpcId"`
	Rules       []string `json:"rules"`
	CreatedTime string   `json:"createdTime"`
}

// handleListSecurityGroups serves GET /v2/securityGroup: the default
// security group, unless vpcId, securityGroupId or securityGroupIds name
// another (then nothing); instanceId, one of the caller's instances.
func (h *handler) handleListSecurityGroups(ctx context.Context, c *call) (any, error) {
	n, err := h.svc.DefaultNetwork(ctx, c.caller, c.region)
	if err != nil {
		return nil, err
	}
	out := struct {
		Marker         string               `json:"marker"`
		IsTruncated    bool                 `json:"isTruncated"`
		NextMarker     string               `json:"nextMarker"`
		MaxKeys        int                  `json:"maxKeys"`
		SecurityGroups []securityGroupModel `json:"securityGroups"`
	}{Marker: c.query.Get("marker"), MaxKeys: 1000, SecurityGroups: []securityGroupModel{}}
	if id := c.query.Get("instanceId"); id != "" {
		if _, err := h.svc.GetInstance(ctx, c.caller, id, c.region); err != nil {
			return nil, err
		}
	}
	match := (c.query.Get("vpcId") == "" || c.query.Get("vpcId") == n.VPCID) &&
		(c.query.Get("securityGroupId") == "" || c.query.Get("securityGroupId") == n.SecurityGroupID)
	if ids := c.query.Get("securityGroupIds"); ids != "" && !strings.Contains(","+ids+",", ","+n.SecurityGroupID+",") {
		match = false
	}
	if match && (out.Marker == "" || out.Marker == n.SecurityGroupID) {
		out.SecurityGroups = append(out.SecurityGroups, securityGroupModel{ID: n.SecurityGroupID, Name: "default",
			Desc: "default security group", VpcID: n.VPCID, Rules: []string{}, CreatedTime: n.CreatedAt.UTC().Format(time.RFC3339)})
	}
	return out, nil
}

// handleListZones serves GET /v2/zone: the region's zones.
func (h *handler) handleListZones(ctx context.Context, c *call) (any, error) {
	n, err := h.svc.DefaultNetwork(ctx, c.caller, c.region)
	if err != nil {
		return nil, err
	}
	type zone struct {
		ZoneName string `json:"zoneName"`
	}
	out := struct {
		Zones []zone `json:"zones"`
	}{Zones: []zone{}}
	for _, vs := range n.VSwitches {
		out.Zones = append(out.Zones, zone{vs.Zone})
	}
	return out, nil
}
