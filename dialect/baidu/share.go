package baidu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
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

// handleSharedUsers serves GET /v2/image/{imageId}/sharedUsers (docs/protocols.md section 6).
func (h *handler) handleSharedUsers(ctx context.Context, c *call) (any, error) {
	res := &sharedUsersResult{Users: []sharedUser{}}
	for {
		list, err := h.svc.DescribeShares(ctx, c.caller, c.imageID, c.region, imageshare.Page{Offset: len(res.Users), Limit: sharePage})
		if err != nil {
			return nil, err
		}
		for _, s := range list.Shares {
			res.Users = append(res.Users, sharedUser{Account: s.AccountName, AccountID: strconv.FormatInt(s.AccountID, 10)})
		}
		if len(list.Shares) == 0 || len(res.Users) >= list.Total {
			return res, nil
		}
	}
}

// handleShare serves POST /v2/image/{imageId}?share. Sharing with an
// account the image is already shared with is Image.AccountHasBeenShared;
// a resend of a request gets the first attempt's answer (once), so that
// a retry never turns a success into a 409, nor a failure into a success.
func (h *handler) handleShare(ctx context.Context, c *call) (any, error) {
	id, err := h.shareTarget(ctx, c.body)
	if err != nil {
		return nil, err
	}
	return h.once(ctx, c, imageshare.ReasonAlreadyShared, func() error {
		_, err := h.svc.ModifyShares(ctx, c.caller, imageshare.ShareRequest{
			ImageID: c.imageID, Region: c.region, Add: []int64{id}, Mode: imageshare.ShareStrict,
		})
		return err
	})
}

// handleUnshare serves POST /v2/image/{imageId}?unshare. Unsharing an
// account the image is not shared with succeeds and changes nothing, so
// that unsharing is idempotent; unknown accounts and the owner itself are
// still refused.
func (h *handler) handleUnshare(ctx context.Context, c *call) (any, error) {
	id, err := h.shareTarget(ctx, c.body)
	if err != nil {
		return nil, err
	}
	_, err = h.svc.ModifyShares(ctx, c.caller, imageshare.ShareRequest{
		ImageID: c.imageID, Region: c.region, Remove: []int64{id}, Mode: imageshare.ShareStrictAccounts,
	})
	return nil, err
}

// shareTarget decodes a share body into the one account it names. The
// account may be given by id, by name or both; when both, they must be
// the same account.
func (h *handler) shareTarget(ctx context.Context, body []byte) (int64, error) {
	b, err := decodeShareBody(body)
	if err != nil {
		return 0, err
	}
	var ids []int64
	if s := strings.TrimSpace(b.AccountID); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return 0, invalidAccount("accountId %q is not an account id", b.AccountID)
		}
		ids = append(ids, id)
	}
	for _, name := range []string{b.Account, b.UcAccount} {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		a, err := h.svc.FindAccountByName(ctx, name)
		if imageshare.IsKind(err, imageshare.KindNotFound) {
			return 0, invalidAccount("account %q does not exist", name)
		}
		if err != nil {
			return 0, err
		}
		ids = append(ids, a.ID)
	}
	if len(ids) == 0 {
		return 0, errorf(http.StatusBadRequest, codeAccountListIsEmpty, "the request names no account: give account or accountId")
	}
	for _, id := range ids[1:] {
		if id != ids[0] {
			return 0, invalidAccount("account and accountId name different accounts")
		}
	}
	return ids[0], nil
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
