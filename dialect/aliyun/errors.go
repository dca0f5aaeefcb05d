package aliyun

import (
	"net/http"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/dialect/kit"
)

// apiError is an error in Alibaba's terms (the kit's shape): the HTTP
// status, the string Code the SDK exposes as ErrorCode(), and a user-safe
// Message; Detail is an *extra. The SDK reads Code, Message, RequestId,
// HostId and Recommend with unchecked string assertions, so every one of
// them is always written as a string.
type apiError = kit.Error

// extra is what Alibaba's envelope adds to an error: Recommend, and
// Forbidden.RAM's AccessDeniedDetail.
type extra struct {
	Recommend string
	Denied    *accessDeniedDetail
}

func newError(status int, code, format string, args ...any) *apiError {
	return kit.Errorf(status, code, format, args...)
}

// The messages below are Alibaba's own wording where ECS documents one,
// so that code written against the real service reads the same text.

// errMissing is MissingParameter with the ECS documentation's exact message, odd spacing
// around the closing quote included.
func errMissing(name string) *apiError {
	return newError(http.StatusBadRequest, "MissingParameter",
		"The input parameter \"%s \"that is mandatory for processing this request is not supplied.", name)
}

// errInvalid is InvalidParameter naming the parameter and why.
func errInvalid(name, why string) *apiError {
	return newError(http.StatusBadRequest, "InvalidParameter",
		"The specified parameter \"%s\" is not valid: %s.", name, why)
}

func errAccountNotFound() *apiError {
	return newError(http.StatusNotFound, "InvalidAccount.NotFound",
		"The specified parameter \"AddAccount.n\" or \"RemoveAccount.n\" does not exist.")
}

func errTooManyAccounts() *apiError {
	return newError(http.StatusBadRequest, "InvalidParameter",
		"The specified parameter \"AddAccount.n\" or \"RemoveAccount.n\" is not valid: at most %d accounts may be added and %d removed in one call.",
		imageshare.MaxAccountsPerChange, imageshare.MaxAccountsPerChange)
}

// errorTable maps an error of the core to Alibaba's code for it. The
// reason decides when it has an Alibaba counterpart; otherwise the kind.
var errorTable = &kit.ErrorTable{
	Reasons: map[imageshare.Reason]kit.Entry{
		imageshare.ReasonImageNotFound:   {Status: http.StatusNotFound, Code: "InvalidImageId.NotFound", Message: "The specified ImageId does not exist."},
		imageshare.ReasonAccountNotFound: {Status: http.StatusNotFound, Code: "InvalidAccount.NotFound", Message: errAccountNotFound().Message},
		imageshare.ReasonShareToOwner:    {Status: http.StatusNotFound, Code: "InvalidAccount.Forbbiden", Message: "The specified Account does not yourself."},
		imageshare.ReasonShareQuota:      {Status: http.StatusForbidden, Code: "QuotaExceed.ShareImageUser", Message: "The shared Image user Quota exceeds."},
		// ECS's CreateImage and CopyImage answer for the custom-image quota.
		imageshare.ReasonAccountQuota:    {Status: http.StatusForbidden, Code: "QuotaExceed.Image", Message: "The Image Quota exceeds."},
		imageshare.ReasonTooManyAccounts: {Status: http.StatusBadRequest, Code: "InvalidParameter", Message: errTooManyAccounts().Message},
		imageshare.ReasonNoAccounts:      {Status: http.StatusBadRequest, Code: "MissingParameter", Message: errMissing("AddAccount.n").Message},
		// DeleteImage's documented answer for an image instances use.
		imageshare.ReasonImageInUse: {Status: http.StatusForbidden, Code: "ImageUsingByInstance", Message: "The specified image has been used to create instances."},
		imageshare.ReasonImageShared: {Status: http.StatusForbidden, Code: "ImageUseShared",
			Message: "The specified image has been shared to others. You can use the DescribeImageSharePermission API to query the users who have been shared."},
		imageshare.ReasonNotShareable:      {Status: http.StatusForbidden, Code: "InvalidImageType.NotSupported", Message: "The specified image type is not supported: %s"},
		imageshare.ReasonImageNotAvailable: {Status: http.StatusForbidden, Code: "IncorrectImageStatus", Message: "The image is not available: %s"},
		// ModifyImageSharePermission's documented answer for an image that
		// is not available yet; DeleteImage has its own (image.go).
		imageshare.ReasonImageCreating: {Status: http.StatusBadRequest, Code: "IncorrectImageStatus", Message: "The image is not available: %s"},
		// ECS documents no code for deleting a platform image; this is its
		// code for an image type an action does not take.
		imageshare.ReasonNotDeletable:     {Status: http.StatusForbidden, Code: "InvalidImageType.NotSupported", Message: "The specified image type is not supported: %s"},
		imageshare.ReasonRegionNotFound:   {Status: http.StatusNotFound, Code: "InvalidRegionId.NotFound", Message: "The specified region does not exist."},
		imageshare.ReasonKeyNotFound:      {Status: http.StatusNotFound, Code: "InvalidAccessKeyId.NotFound", Message: "Specified access key is not found."},
		imageshare.ReasonKeyDisabled:      {Status: http.StatusBadRequest, Code: "InvalidAccessKeyId.Inactive", Message: "Specified access key is disabled."},
		imageshare.ReasonNonceUsed:        {Status: http.StatusBadRequest, Code: "SignatureNonceUsed", Message: "Specified signature nonce was used already."},
		imageshare.ReasonMissingParameter: {Status: http.StatusBadRequest, Code: "MissingParameter"},
		// The detail naming the action and resource is added by errorDetail.
		imageshare.ReasonAccessDenied: {Status: http.StatusForbidden, Code: "Forbidden.RAM",
			Message: "User not authorized to operate on the specified resource, or this API doesn't support RAM."},
		// A request signed before the store's nonce floor (after a crash
		// that may have lost nonces, docs/nonces.md) may be a replay: it
		// is answered as the stale timestamp it is then.
		imageshare.ReasonSignedBeforeLoss: {Status: http.StatusBadRequest, Code: "InvalidTimeStamp.Expired",
			Message: "Specified time stamp or date value is expired: the server may have lost the nonces of requests signed until shortly after it; sign again with the current time."},
		// Alibaba's per-user flow control: HTTP 400, never retried by the SDK.
		imageshare.ReasonThrottled: {Status: http.StatusBadRequest, Code: "Throttling.User", Message: "Request was denied due to user flow control."},
		// Alibaba's service-wide flow control.
		imageshare.ReasonOverloaded: {Status: http.StatusBadRequest, Code: "Throttling", Message: "Request was denied due to request throttling."},
		// The image workflow's (docs/aliyun.md "The image workflow").
		imageshare.ReasonInstanceNotFound: {Status: http.StatusNotFound, Code: "InvalidInstanceId.NotFound", Message: "The specified InstanceId does not exist."},
		imageshare.ReasonSnapshotNotFound: {Status: http.StatusNotFound, Code: "InvalidSnapshotId.NotFound", Message: "The specified SnapshotId does not exist."},
		imageshare.ReasonDuplicateName:    {Status: http.StatusBadRequest, Code: "InvalidImageName.Duplicated", Message: "The specified Image name has already been used."},
		imageshare.ReasonTagQuota:         {Status: http.StatusBadRequest, Code: "InvalidTagCount", Message: "The specified tags are beyond the permitted range."},
		imageshare.ReasonInvalidTagKey:    {Status: http.StatusBadRequest, Code: "InvalidTagKey.Malformed"},
		imageshare.ReasonInvalidTagValue:  {Status: http.StatusBadRequest, Code: "InvalidTagValue.Malformed"},
		imageshare.ReasonNotCustomImage:   {Status: http.StatusForbidden, Code: "InvalidImageType.NotSupported", Message: "The specified image type is not supported: %s"},
		imageshare.ReasonCopyFinished:     {Status: http.StatusForbidden, Code: "IncorrectImageStatus", Message: "The image is not being copied: %s"},
		// A ClientToken reused with other parameters (docs/aliyun.md "Idempotency").
		imageshare.ReasonIdempotentMismatch: {Status: http.StatusBadRequest, Code: "IdempotentParameterMismatch",
			Message: "The specified parameter has changed while using an already used clientToken."},
	},
	Kinds: map[imageshare.Kind]kit.Entry{
		imageshare.KindInvalid:         {Status: http.StatusBadRequest, Code: "InvalidParameter"},
		imageshare.KindNotFound:        {Status: http.StatusNotFound, Code: "InvalidParameter.NotFound"},
		imageshare.KindConflict:        {Status: http.StatusConflict, Code: "OperationConflict"},
		imageshare.KindForbidden:       {Status: http.StatusForbidden, Code: "Forbidden"},
		imageshare.KindLimitExceeded:   {Status: http.StatusForbidden, Code: "QuotaExceed"},
		imageshare.KindUnauthenticated: {Status: http.StatusBadRequest, Code: "InvalidAccessKeyId"},
		imageshare.KindUnavailable: {Status: http.StatusServiceUnavailable, Code: "ServiceUnavailable",
			Message: "The request has failed due to a temporary failure of the server."},
	},
	Internal: kit.Entry{Status: http.StatusInternalServerError, Code: "InternalError",
		Message: "The request processing has failed due to some unknown error, exception or failure."},
	Detail: errorDetail,
}

// errorDetail adds Forbidden.RAM's AccessDeniedDetail (ram.go).
func errorDetail(err error, e *apiError) {
	if e.Code == "Forbidden.RAM" {
		if d := imageshare.AccessDeniedOf(err); d != nil {
			e.Detail = &extra{Denied: deniedDetail(d)}
		}
	}
}
