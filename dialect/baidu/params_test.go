package baidu

import (
	"strings"
	"testing"

	"github.com/imageshare/imageshare"
)

// TestHandler_UnknownParametersRefused: a query key or share-body field
// the call does not take is 400 InvalidParameter, never ignored; the ones
// bce-sdk-go sends pass; a request carrying more query keys than any call
// takes is refused before its query is parsed.
func TestHandler_UnknownParametersRefused(t *testing.T) {
	env := newTestEnv(t)
	owner, key := env.account("owner@example.com")
	friend, _ := env.account("friend@example.com")
	env.image(&imageshare.Image{ID: "m-params", OwnerID: owner.ID})
	s := env.signer(key)
	share := jsonBody(map[string]string{"accountId": accountIDString(friend)})

	env.serve(s.newRequest(t, "GET", "/v2/image?maxKeys=10&marker=m&imageType=Custom&imageName=x", nil)).expect(t, 200, "")
	env.serve(s.newRequest(t, "GET", "/v2/image?osName=Ubuntu", nil)).expect(t, 400, codeInvalidParameter)
	env.serve(s.newRequest(t, "GET", "/v2/image/m-params?maxKeys=1", nil)).expect(t, 400, codeInvalidParameter)
	env.serve(s.newRequest(t, "DELETE", "/v2/image/m-params?force", nil)).expect(t, 400, codeInvalidParameter)
	env.serve(s.newRequest(t, "POST", "/v2/image/m-params?share&clientToken=x", share)).expect(t, 400, codeInvalidParameter)
	env.serve(s.newRequest(t, "POST", "/v2/image/m-params?share", jsonBody(map[string]string{"accountId": accountIDString(friend), "accounts": "x"}))).
		expect(t, 400, codeInvalidParameter)
	env.serve(s.newRequest(t, "GET", "/v2/image?"+strings.Repeat("a=1&", maxQueryParams)+"b=2", nil)).expect(t, 400, codeInvalidParameter)
	// The workflow calls' bodies too: a field they do not take, and a
	// clientToken on a call that takes none.
	env.serve(s.newRequest(t, "PUT", "/v2/image/rename", jsonBody(map[string]string{"imageId": "m-params", "name": "renamed", "description": "x"}))).
		expect(t, 400, codeInvalidParameter)
	env.serve(s.newRequest(t, "PUT", "/v2/image/m-params/tag?bind", jsonBody(map[string]any{"changeTags": []map[string]string{{"tagKey": "k", "tagValue": "v"}}, "force": true}))).
		expect(t, 400, codeInvalidParameter)
	env.serve(s.newRequest(t, "PUT", "/v2/image/rename?clientToken=x", jsonBody(map[string]string{"imageId": "m-params", "name": "renamed"}))).
		expect(t, 400, codeInvalidParameter)
	// Nothing refused above was applied; the call as the SDK sends it is.
	env.serve(s.newRequest(t, "GET", "/v2/image/m-params/sharedUsers", nil)).expect(t, 200, "")
	env.serve(s.newRequest(t, "POST", "/v2/image/m-params?share", share)).expect(t, 200, "")
	env.serve(s.newRequest(t, "DELETE", "/v2/image/m-params", nil)).expect(t, 409, codeImageSharedToOthers)
}
