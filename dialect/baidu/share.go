package baidu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/imageshare/imageshare"
)

// sharedUser is the SDK's api.SharedUser: the account name and the
// account id as a decimal string.
type sharedUser struct {
	Account   string `json:"account"`
	AccountID string `json:"accountId"`
}

// sharedUsersResult is the SDK's api.GetImageSharedUserResult.
type sharedUsersResult struct {
	Users []sharedUser `json:"users"`
}

// shareBody is the body of ?share and ?unshare (the SDK's api.SharedUser,
// omitempty). ucAccount is another spelling of account.
type shareBody struct {
	AccountID string `json:"accountId"`
	Account   string `json:"account"`
	UcAccount string `json:"ucAccount"`
}

// sharePage is how many shares one read brings while the list is assembled.
const sharePage = 100

// everyone is the accountId with which sharedUsers lists, and unshare
// names, the audience of a public image (one shared with every account
// through the Alibaba dialect's IsPublic): BCC has no public custom
// images, so it is shown as one more user, whose id is no account id,
// and unsharing it makes the image private again (docs/baidu.md).
const everyone = "all"

// handleSharedUsers serves GET /v2/image/{imageId}/sharedUsers (docs/protocols.md section 6).
// A public image lists {"accountId":"all"} first, so that the list
// agrees with DeleteImage's Image.ImageHasBeenSharedToOthers.
func (h *handler) handleSharedUsers(ctx context.Context, c *call) (any, error) {
	res := &sharedUsersResult{Users: []sharedUser{}}
	listed := 0
	for {
		list, err := h.svc.DescribeShares(ctx, c.caller, c.imageID, c.region, imageshare.Page{Offset: listed, Limit: sharePage})
		if err != nil {
			return nil, err
		}
		if listed == 0 && list.Image.IsPublic {
			res.Users = append(res.Users, sharedUser{AccountID: everyone})
		}
		for _, s := range list.Shares {
			res.Users = append(res.Users, sharedUser{Account: s.AccountName, AccountID: strconv.FormatInt(s.AccountID, 10)})
		}
		listed += len(list.Shares)
		if len(list.Shares) == 0 || listed >= list.Total {
			return res, nil
		}
	}
}

// handleShare serves POST /v2/image/{imageId}?share. Sharing with an
// account the image is already shared with is Image.AccountHasBeenShared;
// a resend of a request gets the first attempt's answer (once), so that
// a retry never turns a success into a 409, nor a failure into a success.
func (h *handler) handleShare(ctx context.Context, c *call) (any, error) {
	t, err := h.shareTarget(ctx, c.body)
	if err != nil {
		return nil, err
	}
	if t.everyone {
		return nil, invalidAccount("accountId %q names every account; BCC shares an image with accounts only (an image is made public through the Alibaba dialect)", everyone)
	}
	return h.once(ctx, c, imageshare.ReasonAlreadyShared, func() error {
		_, err := h.svc.ModifyShares(ctx, c.caller, imageshare.ShareRequest{
			ImageID: c.imageID, Region: c.region, Add: t.ids, Mode: imageshare.ShareStrict,
		})
		return shareError(err)
	})
}

// handleUnshare serves POST /v2/image/{imageId}?unshare. Unsharing an
// account the image is not shared with succeeds and changes nothing, so
// that unsharing is idempotent; unknown accounts and the owner itself are
// still refused. accountId "all" makes a public image private.
func (h *handler) handleUnshare(ctx context.Context, c *call) (any, error) {
	t, err := h.shareTarget(ctx, c.body)
	if err != nil {
		return nil, err
	}
	r := imageshare.ShareRequest{ImageID: c.imageID, Region: c.region, Remove: t.ids, Mode: imageshare.ShareStrictAccounts}
	if t.everyone {
		private := false
		r.SetPublic = &private
	}
	_, err = h.svc.ModifyShares(ctx, c.caller, r)
	return nil, shareError(err)
}

// shareError answers a share call on an image still being created: BCC
// documents a code for deleting one (Image.CreatingImageCannotBeDeleted,
// the error table's) but none for sharing one, so it is BCE's generic
// InvalidHTTPRequest with the conflict's 409 (docs/baidu.md).
func shareError(err error) error {
	if imageshare.ErrorReason(err) == imageshare.ReasonImageCreating {
		return errorf(http.StatusConflict, codeInvalidHTTPRequest, "%s", imageshare.ErrorMessage(err))
	}
	return err
}

// target is what a share body names: accounts, and for unshare perhaps
// the audience of a public image.
type target struct {
	ids      []int64
	everyone bool
}

// shareTarget decodes a share body into the accounts it names. account
// (or its other spelling ucAccount) and accountId may each be given; as
// BCC documents, when both appear the server de-duplicates them: naming
// one account twice is that account once, naming two accounts is both.
func (h *handler) shareTarget(ctx context.Context, body []byte) (*target, error) {
	b, err := decodeShareBody(body)
	if err != nil {
		return nil, err
	}
	t := &target{}
	add := func(id int64) {
		if !slices.Contains(t.ids, id) {
			t.ids = append(t.ids, id)
		}
	}
	if s := strings.TrimSpace(b.AccountID); s == everyone {
		t.everyone = true
	} else if s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return nil, invalidAccount("accountId %q is not an account id", b.AccountID)
		}
		add(id)
	}
	for _, name := range []string{b.Account, b.UcAccount} {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		a, err := h.svc.FindAccountByName(ctx, name)
		if imageshare.IsKind(err, imageshare.KindNotFound) {
			return nil, invalidAccount("account %q does not exist", name)
		}
		if err != nil {
			return nil, err
		}
		add(a.ID)
	}
	if len(t.ids) == 0 && !t.everyone {
		return nil, errorf(http.StatusBadRequest, codeAccountListIsEmpty, "the request names no account: give account or accountId")
	}
	return t, nil
}

func invalidAccount(format string, args ...any) error {
	return errorf(http.StatusBadRequest, codeInvalidAccount, format, args...)
}

// decodeShareBody parses the JSON body of a share or unshare request.
// Malformed JSON is MalformedJSON; well-formed JSON of the wrong shape
// (a number for accountId, an array) is InappropriateJSON. An empty body
// names no account.
func decodeShareBody(body []byte) (*shareBody, error) {
	b := &shareBody{}
	if len(bytes.TrimSpace(body)) == 0 {
		return b, nil
	}
	// encoding/json would quietly turn invalid UTF-8 into U+FFFD and look
	// up an account other than the one named.
	if !utf8.Valid(body) {
		return nil, errorf(http.StatusBadRequest, codeMalformedJSON, "the JSON you provided was not well-formed: it is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(b); err != nil {
		if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return nil, errorf(http.StatusBadRequest, codeInvalidParameter, "the share body takes accountId, account and ucAccount, not %s", clipName(field))
		}
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil, errorf(http.StatusBadRequest, codeInappropriateJSON,
				"the JSON you provided was well-formed but not appropriate: %s", typeProblem(typeErr))
		}
		return nil, errorf(http.StatusBadRequest, codeMalformedJSON, "the JSON you provided was not well-formed")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errorf(http.StatusBadRequest, codeMalformedJSON, "the JSON you provided was not well-formed: data after the object")
	}
	for _, v := range []string{b.AccountID, b.Account, b.UcAccount} {
		if !validText(v) {
			return nil, errorf(http.StatusBadRequest, codeInappropriateJSON, "the JSON you provided was well-formed but not appropriate: an account holds a control character")
		}
	}
	return b, nil
}

func typeProblem(e *json.UnmarshalTypeError) string {
	if e.Field == "" {
		return "the body must be a JSON object"
	}
	return e.Field + " must be a string"
}
