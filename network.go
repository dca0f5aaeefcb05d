package imageshare

import "time"

// Network is an account's default network in one region (docs/instances.md
// "Networks"): one VPC, one vSwitch (subnet) per zone and one security
// group, there from the account's first use of the region. Nothing else
// of networking is modelled: the records are derived, not stored, so
// every replica answers the same ids.
type Network struct {
	AccountID       int64
	Region          string
	VPCID           string
	SecurityGroupID string
	// VSwitches are the vSwitches, one per zone of the region, in zone order.
	VSwitches []VSwitch
	CreatedAt time.Time
}

// VSwitch is the default vSwitch (Baidu: subnet) of one zone.
type VSwitch struct {
	ID   string
	Zone string
	CIDR string
}

// VSwitchIn returns the vSwitch of zone, or nil.
func (n *Network) VSwitchIn(zone string) *VSwitch {
	for i := range n.VSwitches {
		if n.VSwitches[i].Zone == zone {
			return &n.VSwitches[i]
		}
	}
	return nil
}

// VSwitchByID returns the vSwitch with id, or nil.
func (n *Network) VSwitchByID(id string) *VSwitch {
	for i := range n.VSwitches {
		if n.VSwitches[i].ID == id {
			return &n.VSwitches[i]
		}
	}
	return nil
}
