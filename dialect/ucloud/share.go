package ucloud

import (
	"context"
	"slices"
	"strconv"

	"github.com/imageshare/imageshare"
)

// accountID is an account id as DescribeCompShareImageShareAccounts sends
// it: a JSON number, as CompShare documents, or a JSON string, which the
// Go SDK's Projects.AccountId needs (see Options.AccountIDType).
type accountID struct {
	id       int64
	asString bool
}

func (a accountID) MarshalJSON() ([]byte, error) {
	s := strconv.FormatInt(a.id, 10)
	if a.asString {
		return []byte(`"` + s + `"`), nil
	}
	return []byte(s), nil
}

// sharedAccount is one element of AccountSet.
type sharedAccount struct {
	AccountId   accountID `json:"AccountId"`
	AccountName string    `json:"AccountName"`
}

type describeShareAccountsResponse struct {
	AccountSet []sharedAccount `json:"AccountSet"`
}

// appendJSON writes what json.Marshal writes for r (the hot read's
// answer), without its reflection and per-field MarshalJSON calls.
func (r describeShareAccountsResponse) appendJSON(b []byte) []byte {
	b = append(b, `{"AccountSet":[`...)
	for i, a := range r.AccountSet {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"AccountId":`...)
		if a.AccountId.asString {
			b = append(b, '"')
			b = strconv.AppendInt(b, a.AccountId.id, 10)
			b = append(b, '"')
		} else {
			b = strconv.AppendInt(b, a.AccountId.id, 10)
		}
		b = append(b, `,"AccountName":`...)
		b = appendJSONString(b, a.AccountName)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// sharePageSize is how many shares one store read returns; the whole list
// is returned in one response (50 accounts by default).
const sharePageSize = 100

// describeShareAccounts is DescribeCompShareImageShareAccounts: every
// account the caller's Custom image is shared with, in the order they
// were shared (then by id).
func (h *handler) describeShareAccounts(ctx context.Context, c *call) (any, error) {
	imageID, err := c.Params.RequiredString("CompShareImageId")
	if err != nil {
		return nil, err
	}
	out := describeShareAccountsResponse{AccountSet: []sharedAccount{}}
	for offset := 0; ; {
		list, err := h.svc.DescribeShares(ctx, c.Caller, imageID, c.Region, imageshare.Page{Offset: offset, Limit: sharePageSize})
		if err != nil {
			return nil, err
		}
		out.AccountSet = slices.Grow(out.AccountSet, len(list.Shares))
		for _, s := range list.Shares {
			out.AccountSet = append(out.AccountSet, sharedAccount{
				AccountId:   accountID{id: s.AccountID, asString: c.StringAccountIDs},
				AccountName: s.AccountName,
			})
		}
		offset += len(list.Shares)
		if len(list.Shares) == 0 || offset >= list.Total {
			return out, nil
		}
	}
}

type modifyShareAccountResponse struct {
	InvalidAccounts []int64 `json:"InvalidAccounts"`
}

// modifyShareAccount is ModifyCompShareImageShareAccount: share the
// caller's Custom image with AddAccounts.N and stop sharing it with
// RemoveAccounts.N (at most 10 each, not both empty). Unknown accounts and
// the owner itself are reported in InvalidAccounts and the rest is
// applied; re-adding a shared account or removing an unshared one changes
// nothing.
func (h *handler) modifyShareAccount(ctx context.Context, c *call) (any, error) {
	imageID, err := c.Params.RequiredString("CompShareImageId")
	if err != nil {
		return nil, err
	}
	add, err := c.Params.IntList("AddAccounts")
	if err != nil {
		return nil, err
	}
	remove, err := c.Params.IntList("RemoveAccounts")
	if err != nil {
		return nil, err
	}
	res, err := h.svc.ModifyShares(ctx, c.Caller, imageshare.ShareRequest{
		ImageID: imageID,
		Region:  c.Region,
		Add:     add,
		Remove:  remove,
		Mode:    imageshare.ShareLenient,
	})
	if err != nil {
		return nil, err
	}
	out := modifyShareAccountResponse{InvalidAccounts: res.Invalid}
	if out.InvalidAccounts == nil {
		out.InvalidAccounts = []int64{}
	}
	return out, nil
}
