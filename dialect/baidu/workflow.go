package baidu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/imageshare/imageshare"
)

// The image workflow's BCC calls (docs/baidu.md "The image workflow"):
// CreateImage, RenameImage, RemoteCopyImage (and its
// RemoteCopyImageReturnImageIds form), CancelRemoteCopyImage,
// BindImageToTags, UnBindImageToTags and GetImageOS. The rules are the
// core's (imageshare.WorkflowService); this file decodes BCC's bodies,
// checks BCC's name rule and answers in the SDK's shapes.

// scopeCreateImage is the idempotency scope of BCC's clientToken.
const scopeCreateImage = "bcc:CreateImage"

// decodeBody parses a JSON body into v as decodeShareBody does: invalid
// UTF-8 or malformed JSON is MalformedJSON, the wrong shape
// InappropriateJSON, an empty body the zero value.
func decodeBody(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if !utf8.Valid(body) {
		return errorf(http.StatusBadRequest, codeMalformedJSON, "the JSON you provided was not well-formed: it is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	// A field the call does not take is refused, never ignored (as the
	// share calls' bodies are): docs/baidu.md.
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return errorf(http.StatusBadRequest, codeInvalidParameter, "the call does not take the body field %s", clipName(name))
		}
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return errorf(http.StatusBadRequest, codeInappropriateJSON, "the JSON you provided was well-formed but not appropriate: %s has the wrong type", orBody(typeErr.Field))
		}
		return errorf(http.StatusBadRequest, codeMalformedJSON, "the JSON you provided was not well-formed")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errorf(http.StatusBadRequest, codeMalformedJSON, "the JSON you provided was not well-formed: data after the object")
	}
	return nil
}

func orBody(field string) string {
	if field == "" {
		return "the body"
	}
	return field
}

// checkText refuses a body string with a control character.
func checkBodyText(name, v string) error {
	if !validText(v) {
		return errorf(http.StatusBadRequest, codeInappropriateJSON, "the JSON you provided was well-formed but not appropriate: %s holds a control character", name)
	}
	return nil
}

// checkImageName applies BCC's rule for an image name: 1 to 65
// characters, starting with a letter, made of letters (Chinese
// characters included), digits and - _ / . (BCC's CreateImage
// documentation); else 400 InvalidHTTPRequest (BCC documents no code of
// its own for it).
func checkImageName(field, name string) error {
	bad := errorf(http.StatusBadRequest, codeInvalidHTTPRequest,
		"%s %q is not valid: 1 to 65 characters, starting with a letter, of letters, digits and - _ / .", field, name)
	n := utf8.RuneCountInString(name)
	first, _ := utf8.DecodeRuneInString(name)
	if n < 1 || n > 65 || !unicode.IsLetter(first) {
		return bad
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("-_/.", r) {
			return bad
		}
	}
	return nil
}

// createImageBody is the SDK's api.CreateImageArgs.
type createImageBody struct {
	InstanceID  string `json:"instanceId"`
	SnapshotID  string `json:"snapshotId"`
	ImageName   string `json:"imageName"`
	RelateCds   bool   `json:"relateCds"`
	EncryptKey  string `json:"encryptKey"`
	ClientToken string `json:"-"`
}

type createImageResult struct {
	ImageID string `json:"imageId"`
}

// handleCreateImage serves POST /v2/image: a custom image of the caller
// from its instance (or snapshot: not modelled, NoSuchObject), idempotent
// with the clientToken query parameter.
func (h *handler) handleCreateImage(ctx context.Context, c *call) (any, error) {
	var b createImageBody
	if err := decodeBody(c.body, &b); err != nil {
		return nil, err
	}
	for name, v := range map[string]string{"instanceId": b.InstanceID, "snapshotId": b.SnapshotID, "imageName": b.ImageName} {
		if err := checkBodyText(name, v); err != nil {
			return nil, err
		}
	}
	if b.ImageName == "" {
		return nil, errorf(http.StatusBadRequest, codeInvalidHTTPRequest, "imageName is required")
	}
	if err := checkImageName("imageName", b.ImageName); err != nil {
		return nil, err
	}
	if b.RelateCds || b.EncryptKey != "" {
		return nil, errorf(http.StatusBadRequest, codeInvalidHTTPRequest, "relateCds and encryptKey are not supported: an image is one system disk, unencrypted (docs/baidu.md)")
	}
	im, err := h.svc.MakeImage(ctx, c.caller, imageshare.MakeImageRequest{
		Region: c.region, InstanceID: b.InstanceID, SnapshotID: b.SnapshotID, Name: b.ImageName,
		Scope: scopeCreateImage, ClientToken: c.query.Get("clientToken"),
	})
	if err != nil {
		return nil, err
	}
	return &createImageResult{ImageID: im.ID}, nil
}

// renameBody is the SDK's api.RenameImageArgs.
type renameBody struct {
	Name    string `json:"name"`
	ImageID string `json:"imageId"`
}

// handleRenameImage serves PUT /v2/image/rename.
func (h *handler) handleRenameImage(ctx context.Context, c *call) (any, error) {
	var b renameBody
	if err := decodeBody(c.body, &b); err != nil {
		return nil, err
	}
	if err := checkBodyText("imageId", b.ImageID); err != nil {
		return nil, err
	}
	if b.ImageID == "" {
		return nil, errorf(http.StatusBadRequest, codeInvalidHTTPRequest, "imageId is required")
	}
	if err := checkImageName("name", b.Name); err != nil {
		return nil, err
	}
	_, err := h.svc.ChangeImage(ctx, c.caller, b.ImageID, c.region, imageshare.ImageChange{Name: &b.Name})
	return nil, err
}

// remoteCopyBody is the SDK's api.RemoteCopyImageArgs.
type remoteCopyBody struct {
	Name       string   `json:"name"`
	DestRegion []string `json:"destRegion"`
}

// remoteCopyResult is the SDK's api.RemoteCopyImageResult.
type remoteCopyResult struct {
	Result []remoteCopyImage `json:"result"`
}

type remoteCopyImage struct {
	Region  string `json:"region"`
	ImageID string `json:"imageId"`
	ErrMsg  string `json:"errMsg"`
	Code    string `json:"code"`
}

// handleRemoteCopy serves POST /v2/image/{imageId}?remoteCopy, which
// both RemoteCopyImage and RemoteCopyImageReturnImageIds send: one copy
// per destRegion, all or none; the answer lists them (the first SDK
// method ignores it).
func (h *handler) handleRemoteCopy(ctx context.Context, c *call) (any, error) {
	var b remoteCopyBody
	if err := decodeBody(c.body, &b); err != nil {
		return nil, err
	}
	if err := checkBodyText("name", b.Name); err != nil {
		return nil, err
	}
	if b.Name != "" {
		if err := checkImageName("name", b.Name); err != nil {
			return nil, err
		}
	}
	if len(b.DestRegion) == 0 {
		return nil, errorf(http.StatusBadRequest, codeInvalidHTTPRequest, "destRegion is required")
	}
	for _, r := range b.DestRegion {
		if err := checkBodyText("destRegion", r); err != nil {
			return nil, err
		}
	}
	copies, err := h.svc.CopyImage(ctx, c.caller, imageshare.CopyImageRequest{
		ImageID: c.imageID, Region: c.region, DestRegions: b.DestRegion, Name: b.Name,
	})
	if err != nil {
		return nil, shareError(err) // a source being created: as for a share
	}
	res := &remoteCopyResult{Result: []remoteCopyImage{}}
	for _, cp := range copies {
		res.Result = append(res.Result, remoteCopyImage{Region: cp.Region, ImageID: cp.ID})
	}
	return res, nil
}

// handleCancelRemoteCopy serves POST /v2/image/{imageId}?cancelRemoteCopy:
// the copy (in this endpoint's region) is removed while it is being made.
func (h *handler) handleCancelRemoteCopy(ctx context.Context, c *call) (any, error) {
	return nil, h.svc.CancelCopyImage(ctx, c.caller, c.imageID, c.region, false)
}

// tagsBody is the SDK's api.BindTagsRequest (and UnBindTagsRequest).
type tagsBody struct {
	ChangeTags []struct {
		TagKey   string `json:"tagKey"`
		TagValue string `json:"tagValue"`
	} `json:"changeTags"`
	AttachRelatedResourceTag bool `json:"attachRelatedResourceTag"`
}

func decodeTags(body []byte) ([]imageshare.Tag, error) {
	var b tagsBody
	if err := decodeBody(body, &b); err != nil {
		return nil, err
	}
	if b.AttachRelatedResourceTag {
		return nil, errorf(http.StatusBadRequest, codeInvalidHTTPRequest, "attachRelatedResourceTag is not supported: an image has no related resources here")
	}
	if len(b.ChangeTags) == 0 {
		return nil, errorf(http.StatusBadRequest, codeInvalidHTTPRequest, "changeTags is required")
	}
	var tags []imageshare.Tag
	for _, t := range b.ChangeTags {
		if err := checkBodyText("changeTags", t.TagKey+t.TagValue); err != nil {
			return nil, err
		}
		tags = append(tags, imageshare.Tag{Key: t.TagKey, Value: t.TagValue})
	}
	return tags, nil
}

// handleBindTags serves PUT /v2/image/{imageId}/tag?bind.
func (h *handler) handleBindTags(ctx context.Context, c *call) (any, error) {
	tags, err := decodeTags(c.body)
	if err != nil {
		return nil, err
	}
	_, err = h.svc.ChangeImageTags(ctx, c.caller, c.imageID, c.region, imageshare.TagChange{Set: tags})
	return nil, err
}

// handleUnbindTags serves PUT /v2/image/{imageId}/tag?unbind: a tag is
// removed if the image has that key with that value.
func (h *handler) handleUnbindTags(ctx context.Context, c *call) (any, error) {
	tags, err := decodeTags(c.body)
	if err != nil {
		return nil, err
	}
	im, err := h.svc.GetImage(ctx, c.caller, c.imageID)
	if err != nil {
		return nil, err
	}
	var ch imageshare.TagChange
	for _, t := range tags {
		for _, have := range im.KeyTags {
			if have == t {
				ch.Remove = append(ch.Remove, t.Key)
			}
		}
	}
	if len(ch.Remove) == 0 {
		// Nothing to remove; still the caller's image in this region?
		ch.DryRun = true
	}
	_, err = h.svc.ChangeImageTags(ctx, c.caller, c.imageID, c.region, ch)
	return nil, err
}

// imageOSBody is the SDK's api.GetImageOsArgs.
type imageOSBody struct {
	InstanceIDs []string `json:"instanceIds"`
}

// osModel is the SDK's api.OsModel.
type osModel struct {
	OsVersion      string `json:"osVersion"`
	OsType         string `json:"osType"`
	InstanceID     string `json:"instanceId"`
	OsArch         string `json:"osArch"`
	OsName         string `json:"osName"`
	OsLang         string `json:"osLang"`
	SpecialVersion string `json:"specialVersion"`
}

type imageOSResult struct {
	OsInfo []osModel `json:"osInfo"`
}

// maxImageOSInstances bounds instanceIds of one GetImageOS call.
const maxImageOSInstances = 100

// handleGetImageOS serves POST /v2/image/os: the OS of each of the
// caller's instances. Instances record no OS of their own: an instance
// is a CompShare GPU host, linux on x86_64, the facts images made from it
// start with (docs/baidu.md).
func (h *handler) handleGetImageOS(ctx context.Context, c *call) (any, error) {
	var b imageOSBody
	if err := decodeBody(c.body, &b); err != nil {
		return nil, err
	}
	if len(b.InstanceIDs) == 0 {
		return nil, errorf(http.StatusBadRequest, codeInvalidHTTPRequest, "instanceIds is required")
	}
	if len(b.InstanceIDs) > maxImageOSInstances {
		return nil, errorf(http.StatusBadRequest, codeInvalidHTTPRequest, "instanceIds lists more than %d instances", maxImageOSInstances)
	}
	res := &imageOSResult{OsInfo: []osModel{}}
	for _, id := range b.InstanceIDs {
		if err := checkBodyText("instanceIds", id); err != nil {
			return nil, err
		}
		in, err := h.svc.ImageSourceInstance(ctx, c.caller, id, c.region)
		if err != nil {
			return nil, err
		}
		res.OsInfo = append(res.OsInfo, osModel{InstanceID: in.ID, OsType: "linux", OsArch: bccArch(imageshare.ArchX86_64)})
	}
	return res, nil
}

// handleImportCustomImage serves POST /v2/image/import: out of scope,
// answered 501 NotImplemented (docs/baidu.md "Unsupported calls").
func (h *handler) handleImportCustomImage(ctx context.Context, c *call) (any, error) {
	return nil, errorf(http.StatusNotImplemented, codeNotImplemented, "ImportCustomImage is not supported on this endpoint")
}
