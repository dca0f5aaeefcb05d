package seed_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/core"
	_ "github.com/imageshare/imageshare/dialect/aliyun" // its action table registers the ecs: vocabulary the simulator reads
	"github.com/imageshare/imageshare/seed"
)

const ramSeed = `
regions: [cn-hangzhou]
accounts:
  - {id: 10001, name: alice@example.com, keys: [{public_key: AKalice, private_key: SKalice}]}
policies:
  - account: 10001
    name: ReadOnly
    description: describe anything
    document:
      Version: "1"
      Statement:
        - {Effect: Allow, Action: ["ecs:Describe*"], Resource: "*"}
  - account: 10001
    name: NoLoopback
    document: '{"Version":"1","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"127.0.0.0/8"}}}]}'
groups:
  - {account: 10001, name: readers, policies: [ReadOnly]}
users:
  - account: 10001
    name: dev
    keys: [{public_key: AKdev, private_key: SKdev}]
    groups: [readers]
    policies: [NoLoopback]
  - {account: 10001, name: intern, disabled: true, keys: [{public_key: AKintern, private_key: SKintern}]}
`

func ramSnapshot(t *testing.T, svc *core.Service, st imageshare.Store) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	users, err := svc.ListUsers(ctx, 10001)
	ok(t, err)
	for _, u := range users {
		b.WriteString(u.Name + " " + map[bool]string{true: "on", false: "off"}[u.Enabled] + "\n")
	}
	attachments, err := svc.ListAttachments(ctx, 10001)
	ok(t, err)
	for _, a := range attachments {
		b.WriteString(a.PolicyName + " → " + string(a.PrincipalType) + ":" + a.PrincipalName + "\n")
	}
	groups, err := svc.ListGroups(ctx, 10001)
	ok(t, err)
	for _, g := range groups {
		b.WriteString(g.Name + " " + strings.Repeat("m", len(g.MemberIDs)) + "\n")
	}
	v, err := st.RAMVersion(ctx)
	ok(t, err)
	b.WriteString("version " + strconv.FormatInt(v, 10) + "\n")
	return b.String()
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestApplyRAM(t *testing.T) {
	ctx := context.Background()
	svc, st := openStore(t, core.Config{})
	f, err := seed.Parse([]byte(ramSeed))
	ok(t, err)
	ok(t, seed.Apply(ctx, svc, f))
	before := ramSnapshot(t, svc, st)
	for _, want := range []string{"dev on", "intern off", "ReadOnly → Group:readers", "NoLoopback → User:dev", "readers m\n"} {
		if !strings.Contains(before, want) {
			t.Fatalf("after the seed:\n%s\nlacks %q", before, want)
		}
	}
	k, err := svc.Authenticate(ctx, "AKdev")
	ok(t, err)
	if k.UserID == 0 || k.AccountID != 10001 {
		t.Fatalf("AKdev = %+v, want a key of a sub-user of 10001", k)
	}
	if _, err := svc.Authenticate(ctx, "AKintern"); imageshare.ErrorReason(err) != imageshare.ReasonKeyDisabled {
		t.Fatalf("a disabled seeded user's key: %v", err)
	}
	if p, err := svc.FindPolicy(ctx, 10001, "ReadOnly"); err != nil || p.Description != "describe anything" || !strings.Contains(p.Document, `"ecs:Describe*"`) {
		t.Fatalf("ReadOnly = %+v, %v", p, err)
	}
	res, err := svc.SimulatePolicy(ctx, 10001, "dev", core.Simulation{Action: "ecs:DescribeImages", Resource: "acs:ecs:cn-hangzhou:10001:image/*"})
	ok(t, err)
	if res.Allowed() || res.Decision.Policy != "NoLoopback" {
		t.Fatalf("dev without an address: %+v (the Deny on the address holds)", res)
	}

	// Again: nothing changes, not even the RAM version.
	ok(t, seed.Apply(ctx, svc, f))
	if after := ramSnapshot(t, svc, st); after != before {
		t.Fatalf("applying twice changed:\n%s\nto:\n%s", before, after)
	}
}

func TestApplyRAMRefuses(t *testing.T) {
	for name, tc := range map[string]struct{ yaml, want string }{
		"invalid document": {`policies: [{account: 10001, name: P, document: '{"Version":"2"}'}]`, `Version must be "1"`},
		"unknown group":    {`users: [{account: 10001, name: dev, groups: [nope]}]`, `group nope`},
		"unknown policy":   {`groups: [{account: 10001, name: g, policies: [Nope]}]`, `policy Nope`},
		"no account":       {`users: [{name: dev}]`, `account and name are required`},
		"unknown field":    {`users: [{account: 10001, name: dev, role: admin}]`, `field role not found`},
	} {
		t.Run(name, func(t *testing.T) {
			svc := openService(t)
			f, err := seed.Parse([]byte("accounts: [{id: 10001, name: a@example.com}]\n" + tc.yaml))
			if err == nil {
				err = seed.Apply(context.Background(), svc, f)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one saying %q", err, tc.want)
			}
		})
	}
}
