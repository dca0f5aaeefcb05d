package baidu

import (
	"net/http"
	"net/url"
)

// actionName names the BCC operation a request asks for, after the
// bcc.Client method that sends it, for logs and metrics; "" for a request
// the router refuses. It reads only the request's shape, so it names
// requests that then fail authentication too.
func actionName(method, escapedPath string, query url.Values) string {
	res, _ := parsePath(escapedPath)
	switch res {
	case resImages:
		if method == http.MethodGet {
			return "ListImage"
		}
	case resImage:
		share, unshare := query.Has("share"), query.Has("unshare")
		switch {
		case method == http.MethodGet:
			return "GetImageDetail"
		case method == http.MethodDelete:
			return "DeleteImage"
		case method == http.MethodPost && share && !unshare:
			return "ShareImage"
		case method == http.MethodPost && unshare && !share:
			return "UnShareImage"
		}
	case resSharedUsers:
		if method == http.MethodGet {
			return "GetImageSharedUser"
		}
	}
	return ""
}
