package baidu

import (
	"encoding/json"
	"net/http"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/dialect/kit"
)

// BCE error codes. The common ones are the SDK's own (bce/error.go); the
// Image.* ones are BCC's (docs/protocols.md section 3.4).
const (
	codeAccessDenied          = "AccessDenied"
	codeBadDigest             = "BadDigest"
	codeInappropriateJSON     = "InappropriateJSON"
	codeInternalError         = "InternalError"
	codeInvalidAccessKeyID    = "InvalidAccessKeyId"
	codeInvalidAuthHeader     = "InvalidHTTPAuthHeader"
	codeInvalidHTTPRequest    = "InvalidHTTPRequest"
	codeInvalidURI            = "InvalidURI"
	codeMalformedJSON         = "MalformedJSON"
	codeMethodNotAllowed      = "MethodNotAllowed"
	codeNoSuchObject          = "NoSuchObject"
	codeRequestEntityTooLarge = "RequestEntityTooLarge"
	codeRequestExpired        = "RequestExpired"
	codeRequestTimeTooSkewed  = "RequestTimeTooSkewed"
	codeServiceUnavailable    = "ServiceUnavailable"
	codeSignatureDoesNotMatch = "SignatureDoesNotMatch"
	// codeTooManyRequests answers a throttled key with 429. BCE has no
	// common throttling code; this is the code the SDK itself derives from
	// an empty 429 answer (the status text without spaces).
	codeTooManyRequests = "TooManyRequests"

	codeAccountHasBeenShared    = "Image.AccountHasBeenShared"
	codeAccountListIsEmpty      = "Image.AccountListIsEmpty"
	codeCannotShareToOwner      = "Image.CannotShareToOwner"
	codeExceedSharedQuota       = "Image.ExceedSharedToUserNumQuota"
	codeImageSharedToOthers     = "Image.ImageHasBeenSharedToOthers"
	codeInvalidAccount          = "Image.InvalidAccount"
	codeUnCustomCannotBeShared  = "Image.UnCustomImageCannotBeShared"
	codeUnCustomCannotBeDeleted = "Image.UnCustomImageCannotBeDeleted"
	codeCreatingCannotBeDeleted = "Image.CreatingImageCannotBeDeleted"

	// codeExceedQuota: an account over its quota of images or image text
	// bytes. BCC documents a per-account custom image limit but no code
	// for it; this one follows the share quota's (prefix and 413).
	codeExceedQuota = "Image.ExceedQuota"

	// codeIdempotentMismatch: a clientToken reused with other parameters
	// (docs/baidu.md "Idempotency"). BCE's common error table names it
	// IdempotentParameterMismatch; the status is 409 as for every
	// request that conflicts with an earlier one.
	codeIdempotentMismatch = "IdempotentParameterMismatch"
)

// apiError is an error in BCE's terms (the kit's shape): the HTTP status
// and the code the SDK surfaces as BceServiceError.Code.
type apiError = kit.Error

func errorf(status int, code, format string, args ...any) *apiError {
	return kit.Errorf(status, code, format, args...)
}

// errorTable maps the domain's failures to BCC's codes, by reason, then
// by kind for reasons BCC has no code of its own for. The message is the
// domain's own.
var errorTable = &kit.ErrorTable{
	Reasons: map[imageshare.Reason]kit.Entry{
		imageshare.ReasonImageNotFound:   {Status: http.StatusNotFound, Code: codeNoSuchObject},
		imageshare.ReasonAccountNotFound: {Status: http.StatusBadRequest, Code: codeInvalidAccount},
		imageshare.ReasonNotShareable:    {Status: http.StatusForbidden, Code: codeUnCustomCannotBeShared},
		imageshare.ReasonShareToOwner:    {Status: http.StatusForbidden, Code: codeCannotShareToOwner},
		imageshare.ReasonAlreadyShared:   {Status: http.StatusConflict, Code: codeAccountHasBeenShared},
		imageshare.ReasonNotShared:       {Status: http.StatusBadRequest, Code: codeInvalidAccount},
		imageshare.ReasonShareQuota:      {Status: http.StatusRequestEntityTooLarge, Code: codeExceedSharedQuota},
		imageshare.ReasonAccountQuota:    {Status: http.StatusRequestEntityTooLarge, Code: codeExceedQuota},
		imageshare.ReasonTooManyAccounts: {Status: http.StatusBadRequest, Code: codeInvalidAccount},
		imageshare.ReasonNoAccounts:      {Status: http.StatusBadRequest, Code: codeAccountListIsEmpty},
		imageshare.ReasonImageShared:     {Status: http.StatusConflict, Code: codeImageSharedToOthers},
		// DeleteImage's documented codes; a share call on an image being
		// created has no BCC code of its own (share.go answers it).
		imageshare.ReasonImageCreating: {Status: http.StatusConflict, Code: codeCreatingCannotBeDeleted},
		imageshare.ReasonNotDeletable:  {Status: http.StatusForbidden, Code: codeUnCustomCannotBeDeleted},
		imageshare.ReasonKeyNotFound:   {Status: http.StatusForbidden, Code: codeInvalidAccessKeyID},
		imageshare.ReasonKeyDisabled:   {Status: http.StatusForbidden, Code: codeInvalidAccessKeyID},
		// A sub-user's policies do not allow the call; the message names the
		// action and the resource.
		imageshare.ReasonAccessDenied:     {Status: http.StatusForbidden, Code: codeAccessDenied},
		imageshare.ReasonRegionNotFound:   {Status: http.StatusBadRequest, Code: codeInvalidHTTPRequest},
		imageshare.ReasonInvalidParameter: {Status: http.StatusBadRequest, Code: codeInvalidHTTPRequest},
		// Throttled is not retried by the SDK (it never retries 429); a busy
		// server is 503, which the SDK retries with its backoff (300 ms,
		// doubling): nothing was done, so a retry is safe.
		imageshare.ReasonThrottled:          {Status: http.StatusTooManyRequests, Code: codeTooManyRequests},
		imageshare.ReasonOverloaded:         {Status: http.StatusServiceUnavailable, Code: codeServiceUnavailable},
		imageshare.ReasonIdempotentMismatch: {Status: http.StatusConflict, Code: codeIdempotentMismatch},
	},
	Kinds: map[imageshare.Kind]kit.Entry{
		imageshare.KindInvalid:         {Status: http.StatusBadRequest, Code: codeInvalidHTTPRequest},
		imageshare.KindNotFound:        {Status: http.StatusNotFound, Code: codeNoSuchObject},
		imageshare.KindConflict:        {Status: http.StatusConflict, Code: codeInvalidHTTPRequest},
		imageshare.KindForbidden:       {Status: http.StatusForbidden, Code: codeAccessDenied},
		imageshare.KindLimitExceeded:   {Status: http.StatusRequestEntityTooLarge, Code: codeInvalidHTTPRequest},
		imageshare.KindUnauthenticated: {Status: http.StatusForbidden, Code: codeInvalidAccessKeyID},
		imageshare.KindUnavailable:     {Status: http.StatusServiceUnavailable, Code: codeServiceUnavailable},
	},
	Internal: kit.Entry{Status: http.StatusInternalServerError, Code: codeInternalError,
		Message: "we encountered an internal error, please try again"},
}

// errorBody is BCE's error envelope; every field is a string, because the
// SDK decodes it into strings and reports MalformedJSON otherwise.
type errorBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"requestId"`
}

// writeError sends e as BCE does: status ≥ 400 and a JSON body.
func writeError(w http.ResponseWriter, requestID string, e *apiError) {
	writeJSON(w, e.Status, errorBody{Code: e.Code, Message: e.Message, RequestID: requestID})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only our own response types reach here; they always marshal.
		status = http.StatusInternalServerError
		body = []byte(`{"code":"InternalError","message":"response encoding failed","requestId":""}`)
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
