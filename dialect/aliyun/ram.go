package aliyun

import (
	"net/http"
	"strconv"

	"imageshare"
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

// errForbiddenRAM is Alibaba's answer to a RAM user whose policies do not
// allow the call: 403 Forbidden.RAM with Alibaba's message and the detail
// naming the action, the resource and whether no Allow matched
// (ImplicitDeny) or a Deny did (ExplicitDeny). Which policy denied is
// not told.
func errForbiddenRAM(d *imageshare.AccessDenied) *apiError {
	e := newError(http.StatusForbidden, "Forbidden.RAM",
		"User not authorized to operate on the specified resource, or this API doesn't support RAM.")
	if d == nil {
		return e
	}
	e.denied = &accessDeniedDetail{
		PolicyType:               "AccountLevelIdentityBasedPolicy",
		AuthPrincipalType:        "SubUser",
		AuthPrincipalOwnerId:     strconv.FormatInt(d.AccountID, 10),
		AuthPrincipalDisplayName: d.UserName,
		NoPermissionType:         d.Denial,
		AuthAction:               d.Action,
		AuthResource:             d.Resource,
	}
	return e
}
