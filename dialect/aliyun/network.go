package aliyun

import (
	"context"
	"net/http"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/dialect/kit"
)

// The default network's describe calls (docs/aliyun.md "Networks";
// docs/instances.md "Networks"): each account has, per region, a VPC, a
// vSwitch per zone and a security group.

func init() {
	errorTable.Reasons[imageshare.ReasonVSwitchNotFound] = entry(http.StatusNotFound, "InvalidVSwitchId.NotFound", "The specified VSwitchId does not exist.")
	errorTable.Reasons[imageshare.ReasonSecurityGroupNotFound] = entry(http.StatusNotFound, "InvalidSecurityGroupId.NotFound", "The specified SecurityGroupId does not exist.")
	errorTable.Reasons[imageshare.ReasonZoneNotFound] = entry(http.StatusNotFound, "InvalidZoneId.NotFound", "The specified zone does not exist.")
}

// defaultVPCCIDR is the default VPC's block, as ECS's default VPCs have.
const defaultVPCCIDR = "172.16.0.0/12"

type vpcItem struct {
	VpcID        string     `json:"VpcId" xml:"VpcId"`
	RegionID     string     `json:"RegionId" xml:"RegionId"`
	Status       string     `json:"Status" xml:"Status"`
	VpcName      string     `json:"VpcName" xml:"VpcName"`
	IsDefault    bool       `json:"IsDefault" xml:"IsDefault"`
	CidrBlock    string     `json:"CidrBlock" xml:"CidrBlock"`
	CreationTime string     `json:"CreationTime" xml:"CreationTime"`
	VSwitchIds   vSwitchIDs `json:"VSwitchIds" xml:"VSwitchIds"`
}

type vSwitchIDs struct {
	VSwitchID []string `json:"VSwitchId" xml:"VSwitchId"`
}

// network returns the caller's default network of the call's region.
func (h *handler) network(ctx context.Context, c *call) (*imageshare.Network, error) {
	return h.svc.DefaultNetwork(ctx, c.caller, c.region)
}

// pageOf reads PageNumber and PageSize (1-50, default 10).
func (c *call) pageOf() (int, int, *apiError) {
	number, ae := c.params.integer("PageNumber", 1, 1, 1<<20)
	if ae != nil {
		return 0, 0, ae
	}
	size, ae := c.params.integer("PageSize", 10, 1, 50)
	return number, size, ae
}

// pageHead is the head of a paged describe response; embedded, its
// fields stand first in the response, in this order, in JSON and in XML.
type pageHead struct {
	RequestID  string `json:"RequestId" xml:"RequestId"`
	TotalCount int    `json:"TotalCount" xml:"TotalCount"`
	PageNumber int    `json:"PageNumber" xml:"PageNumber"`
	PageSize   int    `json:"PageSize" xml:"PageSize"`
}

// networkPage reads the call's page and its caller's default network:
// the start of every paged network describe.
func (h *handler) networkPage(ctx context.Context, c *call) (*imageshare.Network, pageHead, error) {
	number, size, ae := c.pageOf()
	if ae != nil {
		return nil, pageHead{}, ae
	}
	n, err := h.network(ctx, c)
	if err != nil {
		return nil, pageHead{}, err
	}
	return n, pageHead{RequestID: c.requestID, PageNumber: number, PageSize: size}, nil
}

// describeVpcs lists the default VPC (VpcId, when given, must name it).
func (h *handler) describeVpcs(ctx context.Context, c *call) (any, error) {
	n, page, err := h.networkPage(ctx, c)
	if err != nil {
		return nil, err
	}
	type vpcs struct {
		Vpc []vpcItem `json:"Vpc" xml:"Vpc"`
	}
	resp := struct {
		pageHead
		Vpcs vpcs `json:"Vpcs" xml:"Vpcs"`
	}{pageHead: page, Vpcs: vpcs{Vpc: []vpcItem{}}}
	if id := c.params["VpcId"]; (id == "" || id == n.VPCID) && page.PageNumber == 1 {
		it := vpcItem{VpcID: n.VPCID, RegionID: n.Region, Status: "Available", VpcName: "default", IsDefault: true,
			CidrBlock: defaultVPCCIDR, CreationTime: n.CreatedAt.UTC().Format(timeShape)}
		for _, vs := range n.VSwitches {
			it.VSwitchIds.VSwitchID = append(it.VSwitchIds.VSwitchID, vs.ID)
		}
		resp.Vpcs.Vpc, resp.TotalCount = append(resp.Vpcs.Vpc, it), 1
	}
	return resp, nil
}

type vSwitchItem struct {
	VSwitchID               string `json:"VSwitchId" xml:"VSwitchId"`
	VpcID                   string `json:"VpcId" xml:"VpcId"`
	ZoneID                  string `json:"ZoneId" xml:"ZoneId"`
	Status                  string `json:"Status" xml:"Status"`
	CidrBlock               string `json:"CidrBlock" xml:"CidrBlock"`
	VSwitchName             string `json:"VSwitchName" xml:"VSwitchName"`
	IsDefault               bool   `json:"IsDefault" xml:"IsDefault"`
	AvailableIpAddressCount int64  `json:"AvailableIpAddressCount" xml:"AvailableIpAddressCount"`
	CreationTime            string `json:"CreationTime" xml:"CreationTime"`
}

// describeVSwitches lists the default vSwitches, filtered by VpcId,
// ZoneId and VSwitchId.
func (h *handler) describeVSwitches(ctx context.Context, c *call) (any, error) {
	n, page, err := h.networkPage(ctx, c)
	if err != nil {
		return nil, err
	}
	type vSwitches struct {
		VSwitch []vSwitchItem `json:"VSwitch" xml:"VSwitch"`
	}
	resp := struct {
		pageHead
		VSwitches vSwitches `json:"VSwitches" xml:"VSwitches"`
	}{pageHead: page, VSwitches: vSwitches{VSwitch: []vSwitchItem{}}}
	if id := c.params["VpcId"]; id != "" && id != n.VPCID {
		return resp, nil
	}
	var all []vSwitchItem
	for _, vs := range n.VSwitches {
		if (c.params["ZoneId"] == "" || c.params["ZoneId"] == vs.Zone) && (c.params["VSwitchId"] == "" || c.params["VSwitchId"] == vs.ID) {
			all = append(all, vSwitchItem{VSwitchID: vs.ID, VpcID: n.VPCID, ZoneID: vs.Zone, Status: "Available", CidrBlock: vs.CIDR,
				VSwitchName: "default", IsDefault: true, AvailableIpAddressCount: 4092, CreationTime: n.CreatedAt.UTC().Format(timeShape)})
		}
	}
	resp.TotalCount = len(all)
	if from := (page.PageNumber - 1) * page.PageSize; from < len(all) {
		resp.VSwitches.VSwitch = all[from:min(from+page.PageSize, len(all))]
	}
	return resp, nil
}

type securityGroupItem struct {
	SecurityGroupID   string `json:"SecurityGroupId" xml:"SecurityGroupId"`
	SecurityGroupName string `json:"SecurityGroupName" xml:"SecurityGroupName"`
	SecurityGroupType string `json:"SecurityGroupType" xml:"SecurityGroupType"`
	Description       string `json:"Description" xml:"Description"`
	VpcID             string `json:"VpcId" xml:"VpcId"`
	CreationTime      string `json:"CreationTime" xml:"CreationTime"`
}

// describeSecurityGroups lists the default security group, filtered by
// VpcId and SecurityGroupId.
func (h *handler) describeSecurityGroups(ctx context.Context, c *call) (any, error) {
	n, page, err := h.networkPage(ctx, c)
	if err != nil {
		return nil, err
	}
	type groups struct {
		SecurityGroup []securityGroupItem `json:"SecurityGroup" xml:"SecurityGroup"`
	}
	resp := struct {
		RequestID      string `json:"RequestId" xml:"RequestId"`
		RegionID       string `json:"RegionId" xml:"RegionId"`
		TotalCount     int    `json:"TotalCount" xml:"TotalCount"`
		PageNumber     int    `json:"PageNumber" xml:"PageNumber"`
		PageSize       int    `json:"PageSize" xml:"PageSize"`
		SecurityGroups groups `json:"SecurityGroups" xml:"SecurityGroups"`
	}{RequestID: c.requestID, RegionID: n.Region, PageNumber: page.PageNumber, PageSize: page.PageSize, SecurityGroups: groups{SecurityGroup: []securityGroupItem{}}}
	if (c.params["VpcId"] == "" || c.params["VpcId"] == n.VPCID) &&
		(c.params["SecurityGroupId"] == "" || c.params["SecurityGroupId"] == n.SecurityGroupID) && page.PageNumber == 1 {
		resp.SecurityGroups.SecurityGroup = append(resp.SecurityGroups.SecurityGroup, securityGroupItem{SecurityGroupID: n.SecurityGroupID,
			SecurityGroupName: "default", SecurityGroupType: "normal", Description: "default security group", VpcID: n.VPCID,
			CreationTime: n.CreatedAt.UTC().Format(timeShape)})
		resp.TotalCount = 1
	}
	return resp, nil
}

// describeZones lists the region's zones.
func (h *handler) describeZones(ctx context.Context, c *call) (any, error) {
	n, err := h.network(ctx, c)
	if err != nil {
		return nil, err
	}
	type zone struct {
		ZoneID    string `json:"ZoneId" xml:"ZoneId"`
		LocalName string `json:"LocalName" xml:"LocalName"`
	}
	type zones struct {
		Zone []zone `json:"Zone" xml:"Zone"`
	}
	resp := struct {
		RequestID string `json:"RequestId" xml:"RequestId"`
		Zones     zones  `json:"Zones" xml:"Zones"`
	}{RequestID: c.requestID, Zones: zones{Zone: []zone{}}}
	for _, vs := range n.VSwitches {
		resp.Zones.Zone = append(resp.Zones.Zone, zone{ZoneID: vs.Zone, LocalName: vs.Zone})
	}
	return resp, nil
}

func entry(status int, code, msg string) kit.Entry {
	return kit.Entry{Status: status, Code: code, Message: msg}
}
