package aliyun

import (
	"strconv"

	"github.com/imageshare/imageshare"
)

// accessDeniedDetail is the AccessDeniedDetail object Alibaba sends with
// Forbidden.RAM, with its field names; every field is a string. AuthResource
// is imageshare's addition: the resource name the policies were asked about.
type accessDeniedDetail struct {
	PolicyType               string `json:"PolicyType" xml:"PolicyType"`
	AuthPrincipalType        string `json:"AuthPrincipalType" xml:"AuthPrincipalType"`
	AuthPrincipalOwnerId     string `json:"AuthPrincipalOwnerId" xml:"AuthPrincipalOwnerId"`
	AuthPrincipalDisplayName string `json:"AuthPrincipalDisplayName" xml:"AuthPrincipalDisplayName"`
	NoPermissionType         string `json:"NoPermissionType" xml:"NoPermissionType"`
	AuthAction               string `json:"AuthAction" xml:"AuthAction"`
	AuthResource             string `json:"AuthResource" xml:"AuthResource"`
}

// deniedDetail is Alibaba's detail of a refusal by policy: the action,
// the resource and whether no Allow matched (ImplicitDeny) or a Deny did
// (ExplicitDeny). Which policy denied is not told.
func deniedDetail(d *imageshare.AccessDenied) *accessDeniedDetail {
	return &accessDeniedDetail{
		PolicyType:               "AccountLevelIdentityBasedPolicy",
		AuthPrincipalType:        "SubUser",
		AuthPrincipalOwnerId:     strconv.FormatInt(d.AccountID, 10),
		AuthPrincipalDisplayName: d.UserName,
		NoPermissionType:         d.Denial,
		AuthAction:               d.Action,
		AuthResource:             d.Resource,
	}
}
