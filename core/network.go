package core

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/imageshare/imageshare"
)

// Default networks (docs/instances.md "Networks"): each account has, per
// region, a VPC, a vSwitch per zone and a security group. Their ids are
// derived from the account and region, so they exist from the first use
// without a write, are the same on every replica, and an id of another
// account's network is one the caller's never equals: NotFound.

// zonesPerRegion is how many zones a region has: <region>-a, -b.
const zonesPerRegion = 2

// Zones returns the zones of region, in order.
func Zones(region string) []string {
	zones := make([]string, zonesPerRegion)
	for i := range zones {
		zones[i] = region + "-" + string(rune('a'+i))
	}
	return zones
}

// networkID is prefix and 20 hex digits derived from what names it.
func networkID(prefix string, accountID int64, region, what string) string {
	sum := sha256.Sum256([]byte(prefix + "\x00" + strconv.FormatInt(accountID, 10) + "\x00" + region + "\x00" + what))
	return prefix + hex.EncodeToString(sum[:10])
}

// DefaultNetwork implements imageshare.Service: the caller's default
// network in region (a served one).
func (s *Service) DefaultNetwork(ctx context.Context, c imageshare.Caller, region string) (*imageshare.Network, error) {
	if err := s.authorize(ctx, c, imageshare.OpListInstances, imageshare.ResourceInstance, region, "*"); err != nil {
		return nil, err
	}
	if err := s.CheckRegion(ctx, region); err != nil {
		return nil, err
	}
	a, err := s.store.FindAccountByID(ctx, c.AccountID)
	if err != nil {
		return nil, err
	}
	return defaultNetwork(a, region), nil
}

func defaultNetwork(a *imageshare.Account, region string) *imageshare.Network {
	n := &imageshare.Network{AccountID: a.ID, Region: region, CreatedAt: a.CreatedAt,
		VPCID:           networkID("vpc-", a.ID, region, ""),
		SecurityGroupID: networkID("sg-", a.ID, region, "")}
	for i, z := range Zones(region) {
		n.VSwitches = append(n.VSwitches, imageshare.VSwitch{ID: networkID("vsw-", a.ID, region, z), Zone: z,
			CIDR: fmt.Sprintf("172.16.%d.0/20", i*16)})
	}
	return n
}

// networkNotFound is the NotFound of a network id that is not the caller's.
func networkNotFound(reason imageshare.Reason, what, id string) error {
	return imageshare.Errorf(imageshare.KindNotFound, reason, "%s %q does not exist", what, id)
}

// placeLaunch checks a launch's zone, vSwitch and security group against
// the caller's default network of region and returns the zone: a vSwitch
// decides the zone; none given, the zone defaults to the region's first.
func (s *Service) placeLaunch(ctx context.Context, c imageshare.Caller, region string, r imageshare.LaunchRequest) (string, error) {
	if r.VSwitchID == "" && r.SecurityGroupID == "" && r.Zone == "" {
		return Zones(region)[0], nil
	}
	a, err := s.store.FindAccountByID(ctx, c.AccountID)
	if err != nil {
		return "", err
	}
	n := defaultNetwork(a, region)
	zone := r.Zone
	if r.VSwitchID != "" {
		vs := n.VSwitchByID(r.VSwitchID)
		if vs == nil {
			return "", networkNotFound(imageshare.ReasonVSwitchNotFound, "vSwitch", r.VSwitchID)
		}
		if zone != "" && zone != vs.Zone {
			return "", invalid("vSwitch %q is in zone %s, not %s", vs.ID, vs.Zone, zone)
		}
		zone = vs.Zone
	}
	if r.SecurityGroupID != "" && r.SecurityGroupID != n.SecurityGroupID {
		return "", networkNotFound(imageshare.ReasonSecurityGroupNotFound, "security group", r.SecurityGroupID)
	}
	if zone == "" {
		zone = Zones(region)[0]
	}
	if n.VSwitchIn(zone) == nil {
		return "", imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonZoneNotFound, "zone %q is not a zone of region %s", zone, region)
	}
	return zone, nil
}
