package baidu

import (
	"net/http"
	"net/url"
	"strings"
)

// router maps BCC's image paths to handlers. BCC addresses resources by
// path and picks share/unshare by a bare query key, which http.ServeMux
// patterns cannot express, hence this small table.
type router struct {
	listImages  handlerFunc // GET    /v2/image
	getImage    handlerFunc // GET    /v2/image/{imageId}
	deleteImage handlerFunc // DELETE /v2/image/{imageId}
	share       handlerFunc // POST   /v2/image/{imageId}?share
	unshare     handlerFunc // POST   /v2/image/{imageId}?unshare
	sharedUsers handlerFunc // GET    /v2/image/{imageId}/sharedUsers
}

func (h *handler) newRouter() *router {
	return &router{
		listImages:  h.handleListImages,
		getImage:    h.handleGetImage,
		deleteImage: h.handleDeleteImage,
		share:       h.handleShare,
		unshare:     h.handleUnshare,
		sharedUsers: h.handleSharedUsers,
	}
}

// resource names the shape of a path.
type resource int

const (
	resNone        resource = iota
	resImages               // /v2/image
	resImage                // /v2/image/{imageId}
	resSharedUsers          // /v2/image/{imageId}/sharedUsers
)

// parsePath splits an escaped path into its resource and image id.
func parsePath(escaped string) (resource, string) {
	segs := strings.Split(strings.TrimPrefix(escaped, "/"), "/")
	if len(segs) < 2 || segs[0] != "v2" || segs[1] != "image" {
		return resNone, ""
	}
	if len(segs) == 2 {
		return resImages, ""
	}
	id, err := url.PathUnescape(segs[2])
	if err != nil || id == "" {
		return resNone, ""
	}
	switch {
	case len(segs) == 3:
		return resImage, id
	case len(segs) == 4 && segs[3] == "sharedUsers":
		return resSharedUsers, id
	}
	return resNone, ""
}

// match returns the handler for a request, or the BCE error for a path
// or method this dialect does not serve.
func (rt *router) match(method, escapedPath string, query url.Values) (handlerFunc, string, error) {
	res, id := parsePath(escapedPath)
	switch res {
	case resImages:
		if method == http.MethodGet {
			return rt.listImages, "", nil
		}
	case resImage:
		switch method {
		case http.MethodGet:
			return rt.getImage, id, nil
		case http.MethodDelete:
			return rt.deleteImage, id, nil
		case http.MethodPost:
			share, unshare := query.Has("share"), query.Has("unshare")
			switch {
			case share && unshare:
				return nil, "", errorf(http.StatusBadRequest, codeInvalidHTTPRequest, "a request may either share or unshare, not both")
			case share:
				return rt.share, id, nil
			case unshare:
				return rt.unshare, id, nil
			}
			return nil, "", errorf(http.StatusBadRequest, codeInvalidHTTPRequest,
				"POST /v2/image/{imageId} needs the query key share or unshare; other image actions are not supported")
		}
	case resSharedUsers:
		if method == http.MethodGet {
			return rt.sharedUsers, id, nil
		}
	default:
		return nil, "", errorf(http.StatusNotFound, codeInvalidURI, "no BCC API is served at %s", escapedPath)
	}
	return nil, "", errorf(http.StatusMethodNotAllowed, codeMethodNotAllowed,
		"method %s is not supported on %s", method, escapedPath)
}

// allowed is the Allow header of a 405 answer for the path.
func (rt *router) allowed(escapedPath string) string {
	switch res, _ := parsePath(escapedPath); res {
	case resImages, resSharedUsers:
		return "GET"
	case resImage:
		return "GET, POST, DELETE"
	}
	return ""
}
