package baidu

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"imageshare"
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

	codeAccountHasBeenShared   = "Image.AccountHasBeenShared"
	codeAccountListIsEmpty     = "Image.AccountListIsEmpty"
	codeCannotShareToOwner     = "Image.CannotShareToOwner"
	codeExceedSharedQuota      = "Image.ExceedSharedToUserNumQuota"
	codeImageSharedToOthers    = "Image.ImageHasBeenSharedToOthers"
	codeInvalidAccount         = "Image.InvalidAccount"
	codeUnCustomCannotBeShared = "Image.UnCustomImageCannotBeShared"
)

// apiError is an error in BCE's terms: the HTTP status and the code the
// SDK surfaces as BceServiceError.Code.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// byReason maps the domain's specific failures to BCC's codes.
var byReason = map[imageshare.Reason]struct {
	status int
	code   string
}{
	imageshare.ReasonImageNotFound:   {http.StatusNotFound, codeNoSuchObject},
	imageshare.ReasonAccountNotFound: {http.StatusBadRequest, codeInvalidAccount},
	imageshare.ReasonNotShareable:    {http.StatusForbidden, codeUnCustomCannotBeShared},
	imageshare.ReasonShareToOwner:    {http.StatusForbidden, codeCannotShareToOwner},
	imageshare.ReasonAlreadyShared:   {http.StatusConflict, codeAccountHasBeenShared},
	imageshare.ReasonNotShared:       {http.StatusBadRequest, codeInvalidAccount},
	imageshare.ReasonShareQuota:      {http.StatusRequestEntityTooLarge, codeExceedSharedQuota},
	imageshare.ReasonTooManyAccounts: {http.StatusBadRequest, codeInvalidAccount},
	imageshare.ReasonNoAccounts:      {http.StatusBadRequest, codeAccountListIsEmpty},
	imageshare.ReasonImageShared:     {http.StatusConflict, codeImageSharedToOthers},
	imageshare.ReasonKeyNotFound:     {http.StatusForbidden, codeInvalidAccessKeyID},
	imageshare.ReasonKeyDisabled:     {http.StatusForbidden, codeInvalidAccessKeyID},
	// A sub-user's policies do not allow the call; the message names the
	// action and the resource.
	imageshare.ReasonAccessDenied:     {http.StatusForbidden, codeAccessDenied},
	imageshare.ReasonRegionNotFound:   {http.StatusBadRequest, codeInvalidHTTPRequest},
	imageshare.ReasonInvalidParameter: {http.StatusBadRequest, codeInvalidHTTPRequest},
	// Throttled is not retried by the SDK (it never retries 429); a busy
	// server is 503, which the SDK retries with its backoff (300 ms,
	// doubling): nothing was done, so a retry is safe.
	imageshare.ReasonThrottled:  {http.StatusTooManyRequests, codeTooManyRequests},
	imageshare.ReasonOverloaded: {http.StatusServiceUnavailable, codeServiceUnavailable},
}

// byKind is the fallback for reasons BCC has no code of its own for.
var byKind = map[imageshare.Kind]struct {
	status int
	code   string
}{
	imageshare.KindInvalid:         {http.StatusBadRequest, codeInvalidHTTPRequest},
	imageshare.KindNotFound:        {http.StatusNotFound, codeNoSuchObject},
	imageshare.KindConflict:        {http.StatusConflict, codeInvalidHTTPRequest},
	imageshare.KindForbidden:       {http.StatusForbidden, codeAccessDenied},
	imageshare.KindLimitExceeded:   {http.StatusRequestEntityTooLarge, codeInvalidHTTPRequest},
	imageshare.KindUnauthenticated: {http.StatusForbidden, codeInvalidAccessKeyID},
	imageshare.KindUnavailable:     {http.StatusServiceUnavailable, codeServiceUnavailable},
}

// toAPIError turns any error a handler returns into the BCE error to
// send, and reports whether it is internal (to be logged, its cause hidden).
func toAPIError(err error) (e *apiError, internal bool) {
	if errors.As(err, &e) {
		return e, false
	}
	kind := imageshare.ErrorKind(err)
	if kind == imageshare.KindInternal || kind == imageshare.KindOther {
		return errorf(http.StatusInternalServerError, codeInternalError, "we encountered an internal error, please try again"), true
	}
	msg := imageshare.ErrorMessage(err)
	if m, ok := byReason[imageshare.ErrorReason(err)]; ok {
		return &apiError{Status: m.status, Code: m.code, Message: msg}, false
	}
	if m, ok := byKind[kind]; ok {
		return &apiError{Status: m.status, Code: m.code, Message: msg}, kind == imageshare.KindUnavailable
	}
	return errorf(http.StatusInternalServerError, codeInternalError, "we encountered an internal error, please try again"), true
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
