package e2e

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
)

// TestAliyun_ReplayAfterNonceLoss: Alibaba's nonces are recorded without
// an fsync (docs/nonces.md), so a crash of the machine (SQLite) or of
// PostgreSQL may lose them. After such a loss, requests the SDKs signed
// before it — a V2 share through the classic SDK, a V3 unshare through
// the Tea SDK — replayed on a replica are refused as stale
// (InvalidTimeStamp.Expired) and change nothing; a request signed after
// the floor is served.
func TestAliyun_ReplayAfterNonceLoss(t *testing.T) {
	srv := apptest.Start(t)
	owner, key := srv.Account(t, "")
	b, _ := srv.Account(t, "")
	im := customImage(t, srv, owner, aliyunRegion)

	classic := aliyunClient(t, srv, key)
	rt := &replayTransport{}
	classic.SetTransport(rt)
	mustOK(t, modifyShares(classic, im.ID, []string{idString(b.ID)}, nil))
	tea, proxy := sdkDriver(t, srv, key, "tea")
	if err := tea.share(im.ID, nil, []int64{b.ID}, nil, false); err != nil {
		t.Fatal(err)
	}

	replica := loseSignatureNonces(t, srv)

	req, _ := http.NewRequest("POST", strings.Replace(rt.urls[0], srv.URL, replica.URL, 1), nil)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	wantRawError(t, doRaw(t, req), "InvalidTimeStamp.Expired", 400)
	if got := sharedWith(t, replica, owner, im.ID); len(got) != 0 {
		t.Fatalf("the replayed V2 share after the loss shared with %v", got)
	}
	resp, err := forward(replica.URL, proxy.reqs[0], strings.TrimPrefix(proxy.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(body), `"Code":"InvalidTimeStamp.Expired"`) {
		t.Fatalf("replayed V3 request after the loss: %d %s", resp.StatusCode, body)
	}

	// Signed after the floor (the last signed time before the loss plus
	// at most 10 s): served, and its own replay refused as usual.
	op := apiOp{dialect: dAliyun, action: "ModifyImageSharePermission",
		params: map[string]string{"ImageId": im.ID, "AddAccount.1": idString(b.ID)}}
	fresh := aliyunRequest(t, replica.URL, op, cred{keyID: key.PublicKey, secret: key.PrivateKey, skew: 15 * time.Second})
	again := fresh.Clone(context.Background())
	if r := doRaw(t, fresh); r.status != 200 {
		t.Fatalf("a request signed after the floor: %d %s", r.status, r.body)
	}
	if got := sharedWith(t, replica, owner, im.ID); len(got) != 1 || got[0] != b.ID {
		t.Fatalf("shares after the fresh request: %v", got)
	}
	wantRawError(t, doRaw(t, again), "SignatureNonceUsed", 400)
}

// loseSignatureNonces does to srv's store what a crash does to its
// signature nonces, and returns a replica started after it: for SQLite,
// the records are deleted and the store marked as opened in another boot
// (the machine went down before the WAL reached the disk); for
// PostgreSQL, the unlogged table is emptied, as crash recovery does.
func loseSignatureNonces(t *testing.T, srv *apptest.Server) *apptest.Server {
	t.Helper()
	ctx := context.Background()
	dsn := srv.Main.Config.DB
	switch apptest.StoreKind() {
	case "postgres":
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `TRUNCATE signature_nonces`); err != nil {
			t.Fatal(err)
		}
	default:
		db, err := sql.Open("sqlite", strings.TrimPrefix(dsn, "sqlite:"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, q := range []string{`DELETE FROM signature_nonces`, `UPDATE nonce_guard SET boot_id = 'a-boot-before-the-crash'`} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
	}
	return apptest.Start(t, func(c *app.Config) { c.DB = dsn })
}
