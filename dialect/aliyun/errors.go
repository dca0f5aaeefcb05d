package aliyun

import (
	"fmt"
	"net/http"

	"imageshare"
)

// apiError is an error in Alibaba's terms: the HTTP status, the string
// Code the SDK exposes as ErrorCode(), and a user-safe Message. The SDK
// reads Code, Message, RequestId, HostId and Recommend with unchecked
// string assertions, so every one of them is always written as a string.
type apiError struct {
	Status    int
	Code      string
	Message   string
	Recommend string
	cause     error               // logged, never sent
	denied    *accessDeniedDetail // Forbidden.RAM's detail
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func newError(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
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

func errImageNotFound() *apiError {
	return newError(http.StatusNotFound, "InvalidImageId.NotFound", "The specified ImageId does not exist.")
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

func errInternal(cause error) *apiError {
	return &apiError{
		Status:  http.StatusInternalServerError,
		Code:    "InternalError",
		Message: "The request processing has failed due to some unknown error, exception or failure.",
		cause:   cause,
	}
}

// fromDomain maps an error of the core to Alibaba's code for it. The
// reason decides when it has an Alibaba counterpart; otherwise the kind.
func fromDomain(err error) *apiError {
	if ae, ok := err.(*apiError); ok {
		return ae
	}
	msg := imageshare.ErrorMessage(err)
	switch imageshare.ErrorReason(err) {
	case imageshare.ReasonImageNotFound:
		return errImageNotFound()
	case imageshare.ReasonAccountNotFound:
		return errAccountNotFound()
	case imageshare.ReasonShareToOwner:
		return newError(http.StatusNotFound, "InvalidAccount.Forbbiden", "The specified Account does not yourself.")
	case imageshare.ReasonShareQuota:
		return newError(http.StatusForbidden, "QuotaExceed.ShareImageUser", "The shared Image user Quota exceeds.")
	case imageshare.ReasonTooManyAccounts:
		return errTooManyAccounts()
	case imageshare.ReasonNoAccounts:
		return errMissing("AddAccount.n")
	case imageshare.ReasonImageShared:
		return newError(http.StatusForbidden, "ImageUseShared",
			"The specified image has been shared to others. You can use the DescribeImageSharePermission API to query the users who have been shared.")
	case imageshare.ReasonNotShareable:
		return newError(http.StatusForbidden, "InvalidImageType.NotSupported", "The specified image type is not supported: %s", msg)
	case imageshare.ReasonImageNotAvailable:
		return newError(http.StatusForbidden, "IncorrectImageStatus", "The image is not available: %s", msg)
	case imageshare.ReasonRegionNotFound:
		return newError(http.StatusNotFound, "InvalidRegionId.NotFound", "The specified region does not exist.")
	case imageshare.ReasonKeyNotFound:
		return newError(http.StatusNotFound, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
	case imageshare.ReasonKeyDisabled:
		return newError(http.StatusBadRequest, "InvalidAccessKeyId.Inactive", "Specified access key is disabled.")
	case imageshare.ReasonNonceUsed:
		return newError(http.StatusBadRequest, "SignatureNonceUsed", "Specified signature nonce was used already.")
	case imageshare.ReasonMissingParameter:
		return newError(http.StatusBadRequest, "MissingParameter", "%s", msg)
	case imageshare.ReasonAccessDenied:
		return errForbiddenRAM(imageshare.AccessDeniedOf(err))
	case imageshare.ReasonThrottled:
		// Alibaba's per-user flow control: HTTP 400, never retried by the SDK.
		return newError(http.StatusBadRequest, "Throttling.User", "Request was denied due to user flow control.")
	case imageshare.ReasonOverloaded:
		// Alibaba's service-wide flow control.
		return newError(http.StatusBadRequest, "Throttling", "Request was denied due to request throttling.")
	}
	switch imageshare.ErrorKind(err) {
	case imageshare.KindInvalid:
		return newError(http.StatusBadRequest, "InvalidParameter", "%s", msg)
	case imageshare.KindNotFound:
		return newError(http.StatusNotFound, "InvalidParameter.NotFound", "%s", msg)
	case imageshare.KindConflict:
		return newError(http.StatusConflict, "OperationConflict", "%s", msg)
	case imageshare.KindForbidden:
		return newError(http.StatusForbidden, "Forbidden", "%s", msg)
	case imageshare.KindLimitExceeded:
		return newError(http.StatusForbidden, "QuotaExceed", "%s", msg)
	case imageshare.KindUnauthenticated:
		return newError(http.StatusBadRequest, "InvalidAccessKeyId", "%s", msg)
	case imageshare.KindUnavailable:
		return &apiError{Status: http.StatusServiceUnavailable, Code: "ServiceUnavailable",
			Message: "The request has failed due to a temporary failure of the server.", cause: err}
	}
	return errInternal(err)
}
