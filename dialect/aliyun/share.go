package aliyun

import (
	"context"
	"net/http"
	"strconv"

	"github.com/imageshare/imageshare"
)

// Paging bounds of DescribeImageSharePermission and DescribeImages (the ECS
// documentation: PageNumber from 1, PageSize 1..100, default 10; docs/protocols.md
// section 5).
const (
	defaultPageSize = 10
	maxPageSize     = 100
	maxPageNumber   = 1 << 24
)

// timeShape is how Alibaba writes times: UTC, yyyy-MM-ddTHH:mm:ssZ.
const timeShape = "2006-01-02T15:04:05Z"

type describeImageSharePermissionResponse struct {
	RequestID   string      `json:"RequestId" xml:"RequestId"`
	PageNumber  int         `json:"PageNumber" xml:"PageNumber"`
	PageSize    int         `json:"PageSize" xml:"PageSize"`
	TotalCount  int         `json:"TotalCount" xml:"TotalCount"`
	ImageID     string      `json:"ImageId" xml:"ImageId"`
	RegionID    string      `json:"RegionId" xml:"RegionId"`
	ShareGroups shareGroups `json:"ShareGroups" xml:"ShareGroups"`
	Accounts    accounts    `json:"Accounts" xml:"Accounts"`
}

// Lists are wrapped in an object named after their element, and are
// never null: the SDK decodes {"Accounts":{"Account":[...]}}.
type shareGroups struct {
	ShareGroup []shareGroup `json:"ShareGroup" xml:"ShareGroup"`
}

type shareGroup struct {
	Group string `json:"Group" xml:"Group"`
}

type accounts struct {
	Account []account `json:"Account" xml:"Account"`
}

type account struct {
	AliyunID   string `json:"AliyunId" xml:"AliyunId"`
	SharedTime string `json:"SharedTime" xml:"SharedTime"`
}

// page reads PageNumber and PageSize.
func (c *call) page() (number, size int, err *apiError) {
	if number, err = c.params.integer("PageNumber", 1, 1, maxPageNumber); err != nil {
		return 0, 0, err
	}
	if size, err = c.params.integer("PageSize", defaultPageSize, 1, maxPageSize); err != nil {
		return 0, 0, err
	}
	return number, size, nil
}

// describeImageSharePermission lists the accounts an image of the caller
// is shared with, and the "all" group while it is public (docs/aliyun.md).
func (h *handler) describeImageSharePermission(ctx context.Context, c *call) (any, error) {
	imageID, ae := c.params.required("ImageId")
	if ae != nil {
		return nil, ae
	}
	number, size, ae := c.page()
	if ae != nil {
		return nil, ae
	}
	list, err := h.svc.DescribeShares(ctx, c.caller, imageID, c.region,
		imageshare.Page{Offset: (number - 1) * size, Limit: size})
	if err != nil {
		return nil, err
	}
	resp := &describeImageSharePermissionResponse{
		RequestID:   c.requestID,
		PageNumber:  number,
		PageSize:    size,
		TotalCount:  list.Total,
		ImageID:     list.Image.ID,
		RegionID:    list.Image.Region,
		ShareGroups: shareGroups{ShareGroup: []shareGroup{}},
		Accounts:    accounts{Account: make([]account, 0, len(list.Shares))},
	}
	if list.Image.IsPublic {
		resp.ShareGroups.ShareGroup = append(resp.ShareGroups.ShareGroup, shareGroup{Group: "all"})
	}
	for _, s := range list.Shares {
		resp.Accounts.Account = append(resp.Accounts.Account, account{
			AliyunID:   strconv.FormatInt(s.AccountID, 10),
			SharedTime: s.SharedAt.UTC().Format(timeShape),
		})
	}
	return resp, nil
}

type requestIDResponse struct {
	RequestID string `json:"RequestId" xml:"RequestId"`
}

// modifyImageSharePermission adds and removes accounts and turns sharing
// with everyone on or off. An unknown account or the owner itself fails
// the whole call (Alibaba's strict behaviour), and a failed call changes
// nothing.
func (h *handler) modifyImageSharePermission(ctx context.Context, c *call) (any, error) {
	imageID, ae := c.params.required("ImageId")
	if ae != nil {
		return nil, ae
	}
	add, ae := c.accountList("AddAccount")
	if ae != nil {
		return nil, ae
	}
	remove, ae := c.accountList("RemoveAccount")
	if ae != nil {
		return nil, ae
	}
	public, ae := c.params.boolean("IsPublic")
	if ae != nil {
		return nil, ae
	}
	switch lp := c.params["LaunchPermission"]; lp {
	case "":
	case "all":
		// LaunchPermission=all shares with everyone, as IsPublic=true does.
		if len(add) > 0 || len(remove) > 0 {
			return nil, newError(http.StatusBadRequest, "UnnecessaryParameter.LaunchPermission",
				"The specified parameter \"LaunchPermission\" is unnecessary if paramter \"AddAccounts\" or \"RemoveAccounts\" exist.")
		}
		if public != nil && !*public {
			return nil, newError(http.StatusForbidden, "InvalidParameter.IsPublic",
				"The specified parameter IsPublic is conflicted with other parameters.")
		}
		on := true
		public = &on
	default:
		return nil, newError(http.StatusBadRequest, "InvalidParameter.LaunchPermission",
			"The specified parameter \"LaunchPermission\" is invalid: the only value is all.")
	}

	if len(add) == 0 && len(remove) == 0 && public == nil {
		// Nothing to change: still answer for the image as Alibaba does,
		// so a wrong id is reported rather than silently accepted.
		if _, err := h.svc.DescribeShares(ctx, c.caller, imageID, c.region, imageshare.Page{Limit: 1}); err != nil {
			return nil, err
		}
		return &requestIDResponse{RequestID: c.requestID}, nil
	}
	_, err := h.svc.ModifyShares(ctx, c.caller, imageshare.ShareRequest{
		ImageID:   imageID,
		Region:    c.region,
		Add:       add,
		Remove:    remove,
		SetPublic: public,
		Mode:      imageshare.ShareStrictAccounts,
	})
	if err != nil {
		return nil, err
	}
	return &requestIDResponse{RequestID: c.requestID}, nil
}

// accountList reads AddAccount.N or RemoveAccount.N as account ids. An id
// that is not a positive decimal number names no account there can be,
// so it is InvalidAccount.NotFound, as an unknown number is.
func (c *call) accountList(prefix string) ([]int64, *apiError) {
	values, ae := c.params.list(prefix, errTooManyAccounts)
	if ae != nil {
		return nil, ae
	}
	ids := make([]int64, 0, len(values))
	for _, v := range values {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return nil, errAccountNotFound()
		}
		ids = append(ids, id)
	}
	return ids, nil
}
