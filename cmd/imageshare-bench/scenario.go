package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"strings"

	aliyunsdk "github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	aliauth "github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
	"github.com/baidubce/bce-sdk-go/auth"
	"github.com/baidubce/bce-sdk-go/bce"
	bcehttp "github.com/baidubce/bce-sdk-go/http"
	"github.com/baidubce/bce-sdk-go/util"

	"github.com/imageshare/imageshare/internal/ucloudclient"
)

// scenario is one API call the benchmark drives, signed as its vendor's
// SDK signs it.
type scenario struct {
	Name    string // the API action
	Dialect string // ucloud, aliyun or baidu
	// Write says that every request is a durable write; its throughput is
	// compared with raw commits instead of the bare-HTTP limit.
	Write bool
	// Describe says what one request asks, for the report.
	Describe string
	// requests returns the per-worker request makers for a server at
	// host (host:port, which Baidu signs).
	requests func(host string) (func(worker int) requestFunc, error)
	check    checkFunc
}

// poolSize is how many distinct pre-signed requests a read scenario draws
// from. UCloud signatures carry no time and Baidu's stay valid for 30
// minutes, so signing ahead changes nothing the server sees, and keeps the
// client's CPU for sending. What it does change is the working set: the
// server's read caches (docs/caching.md) hold 8,192 share lists easily,
// so -pool sets a larger pool (up to every image of the dataset) to
// measure reads that mostly miss them.
var poolSize = 8192

// scenarios returns the benchmark's scenarios over spec's dataset.
// community says whether the server has the community catalog actions.
func scenarios(spec Spec, community bool) []*scenario {
	list := []*scenario{
		{Name: "DescribeCompShareImageShareAccounts", Dialect: "ucloud",
			Describe: fmt.Sprintf("the share list (%d accounts) of a random custom image, by its owner", spec.Shares/spec.Images),
			requests: func(host string) (func(int) requestFunc, error) {
				return ucloudPool(host, spec, "DescribeCompShareImageShareAccounts", func(rng *mrand.Rand) (int64, map[string]any) {
					i := rng.IntN(spec.Images)
					return imageOwner(spec, i), map[string]any{"CompShareImageId": imageID(i)}
				})
			},
			check: ucloudOK},
		{Name: "ModifyCompShareImageShareAccount", Dialect: "ucloud", Write: true,
			Describe: "share a random custom image with one account, then unshare it (each worker its own account)",
			requests: func(host string) (func(int) requestFunc, error) { return modifyRequests(host, spec), nil },
			check:    ucloudOK},
		{Name: "DescribeImageSharePermission", Dialect: "aliyun",
			Describe: "Alibaba ECS: the share list of a random custom image (each request signed with a fresh nonce, which the server records durably)",
			requests: func(host string) (func(int) requestFunc, error) { return aliyunRequests(host, spec), nil },
			check:    httpOK},
		{Name: "GET sharedUsers", Dialect: "baidu",
			Describe: "Baidu BCC: GET /v2/image/{id}/sharedUsers of a random custom image",
			requests: func(host string) (func(int) requestFunc, error) { return baiduPool(host, spec) },
			check:    httpOK},
	}
	if !community {
		return list
	}
	publishers := spec.Community / versionsPerPublisher
	return append(list,
		&scenario{Name: "DescribeCommunityImages", Dialect: "ucloud",
			Describe: fmt.Sprintf("the catalog searched for a fuzzy name (a \"variant-word\" that %d versions carry), newest first, 20 a page", versionsPerPublisher),
			requests: func(host string) (func(int) requestFunc, error) {
				return ucloudPool(host, spec, "DescribeCommunityImages", func(rng *mrand.Rand) (int64, map[string]any) {
					return accountID(rng.IntN(spec.Accounts)), map[string]any{"Name": fuzzyQuery(rng.IntN(publishers))}
				})
			},
			check: ucloudOK},
		&scenario{Name: "DescribeUserCommunityImages", Dialect: "ucloud",
			Describe: fmt.Sprintf("one publisher's catalog by TargetTopOrganizationId: %d versions in %d groups", versionsPerPublisher, versionsPerPublisher/versionsPerGroup),
			requests: func(host string) (func(int) requestFunc, error) {
				return ucloudPool(host, spec, "DescribeUserCommunityImages", func(rng *mrand.Rand) (int64, map[string]any) {
					p := rng.IntN(publishers)
					return accountID(rng.IntN(spec.Accounts)), map[string]any{"TargetTopOrganizationId": versionOwner(spec, p*versionsPerPublisher)}
				})
			},
			check: ucloudOK},
	)
}

// ucloudOK accepts an HTTP 200 whose body says RetCode 0.
func ucloudOK(status int, body []byte) bool {
	return status == http.StatusOK && bytes.Contains(body, []byte(`"RetCode":0`))
}

func httpOK(status int, _ []byte) bool { return status == http.StatusOK }

// ucloudRequest signs action with params as ucloud-sdk-go does, for the
// account's key.
func ucloudRequest(host string, account int64, action string, params map[string]any) ([]byte, error) {
	c := ucloudclient.New("http://"+host, publicKey(account), privateKey(account), ucloudclient.WithRegion(benchRegion))
	req, err := c.NewRequest(context.Background(), action, params)
	if err != nil {
		return nil, err
	}
	return rawRequest(req)
}

// ucloudPool pre-signs poolSize requests of the calling scenario's action
// with the parameters pick chooses.
func ucloudPool(host string, spec Spec, action string, pick func(rng *mrand.Rand) (int64, map[string]any)) (func(int) requestFunc, error) {
	rng := mrand.New(mrand.NewPCG(7, uint64(spec.Images)))
	reqs := make([][]byte, poolSize)
	for k := range reqs {
		account, params := pick(rng)
		b, err := ucloudRequest(host, account, action, params)
		if err != nil {
			return nil, err
		}
		reqs[k] = b
	}
	return pool(reqs), nil
}

// modifyRequests alternates, per worker, sharing a random image with the
// worker's own account and unsharing it again, so that the share lists
// keep their size and workers never undo each other's changes. The
// account is the owner's successor at offset 2+worker, which the dataset
// never shares with (see sharedWith).
func modifyRequests(host string, spec Spec) func(int) requestFunc {
	return func(w int) requestFunc {
		var pending []byte // the unshare that follows a share
		return func(rng *mrand.Rand) ([]byte, error) {
			if pending != nil {
				req := pending
				pending = nil
				return req, nil
			}
			i := rng.IntN(spec.Images)
			owner := imageOwner(spec, i)
			account := accountID((i%spec.Accounts + 2 + w) % spec.Accounts)
			add, err := ucloudRequest(host, owner, "ModifyCompShareImageShareAccount",
				map[string]any{"CompShareImageId": imageID(i), "AddAccounts": []int64{account}})
			if err != nil {
				return nil, err
			}
			pending, err = ucloudRequest(host, owner, "ModifyCompShareImageShareAccount",
				map[string]any{"CompShareImageId": imageID(i), "RemoveAccounts": []int64{account}})
			return add, err
		}
	}
}

// aliyunRequests signs each request with the Alibaba SDK's own signer
// (requests.InitParams and auth.Sign, the steps its client takes), so
// every request carries a fresh SignatureNonce and Timestamp.
func aliyunRequests(host string, spec Spec) func(int) requestFunc {
	return func(int) requestFunc {
		return func(rng *mrand.Rand) ([]byte, error) {
			i := rng.IntN(spec.Images)
			owner := imageOwner(spec, i)
			r := ecs.CreateDescribeImageSharePermissionRequest()
			r.ImageId = imageID(i)
			r.RegionId = benchRegion
			r.Scheme = "http"
			r.Domain = host
			if err := requests.InitParams(r); err != nil {
				return nil, err
			}
			creds := credentials.NewStaticAKCredentialsProvider(publicKey(owner), privateKey(owner))
			if err := aliauth.Sign(r, nil, benchRegion, creds); err != nil {
				return nil, err
			}
			req, err := http.NewRequest(r.GetMethod(), r.BuildUrl(), bytes.NewReader(r.GetContent()))
			if err != nil {
				return nil, err
			}
			for k, v := range r.GetHeaders() {
				req.Header.Set(k, v)
			}
			req.Header.Set("User-Agent", aliyunsdk.DefaultUserAgent)
			return rawRequest(req)
		}
	}
}

// baiduPool pre-signs sharedUsers requests with bce-sdk-go's own signer
// (auth.BceV1Signer) and the headers its client sends.
func baiduPool(host string, spec Spec) (func(int) requestFunc, error) {
	rng := mrand.New(mrand.NewPCG(11, uint64(spec.Images)))
	signer := &auth.BceV1Signer{}
	reqs := make([][]byte, poolSize)
	for k := range reqs {
		i := rng.IntN(spec.Images)
		owner := imageOwner(spec, i)
		r := &bcehttp.Request{}
		r.SetMethod(bcehttp.GET)
		r.SetProtocol("http")
		r.SetEndpoint(host)
		r.SetUri("/v2/image/" + imageID(i) + "/sharedUsers")
		r.SetHeader(bcehttp.HOST, host)
		r.SetHeader(bcehttp.USER_AGENT, bce.DEFAULT_USER_AGENT)
		r.SetHeader(bcehttp.BCE_DATE, util.FormatISO8601Date(util.NowUTCSeconds()))
		r.SetHeader(bcehttp.CONTENT_TYPE, bce.DEFAULT_CONTENT_TYPE)
		r.SetHeader(bcehttp.BCE_REQUEST_ID, newRequestID())
		cred, err := auth.NewBceCredentials(publicKey(owner), privateKey(owner))
		if err != nil {
			return nil, err
		}
		signer.Sign(r, cred, &auth.SignOptions{HeadersToSign: auth.DEFAULT_HEADERS_TO_SIGN, ExpireSeconds: auth.DEFAULT_EXPIRE_SECONDS})
		var b strings.Builder
		fmt.Fprintf(&b, "GET %s HTTP/1.1\r\n", r.Uri())
		for name, v := range r.Headers() {
			fmt.Fprintf(&b, "%s: %s\r\n", name, v)
		}
		b.WriteString("\r\n")
		reqs[k] = []byte(b.String())
	}
	return pool(reqs), nil
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	s := hex.EncodeToString(b[:])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}
