package e2e

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/imageshare/imageshare"
)

// hostileTexts are names and descriptions that break naive SQL, LIKE
// patterns, JSON, XML, HTML and path handling. Each is a valid name (no
// surrounding space, at most MaxImageNameBytes), so it must be stored and
// returned byte for byte.
var hostileTexts = []string{
	`'; DROP TABLE images; --`,
	`Robert'); DELETE FROM shares WHERE ('1'='1`,
	`" OR "1"="1`,
	`100%_pure \ back\\slash`,
	`$1 $$ ?; :name @p1 %s %d {{.}}`,
	`<script>alert(1)</script> & ]]> <![CDATA[x]]>`,
	`镜像 🚀 ß Ä ∑ ﷽ ‮rtl`,
	"tab\tnew\nline\rend",
	`\u0000 and \x00 as text, not bytes`,
	`/v2/image/../../etc?share&Action=DeleteImage#`,
	strings.Repeat("长", 42) + "xx", // 128 bytes: the bound
}

// TestHostile_TextRoundTrip creates images whose names and descriptions are
// hostileTexts through the UCloud API and reads them back through all three
// dialects (Alibaba in JSON and XML): every byte comes back. Name filters
// treat LIKE metacharacters (%, _, \) and quotes as the characters they are.
func TestHostile_TextRoundTrip(t *testing.T) {
	f := newMatrixFixture(t)
	alice := keyCred(f.aliceKey)
	longDesc := strings.Repeat("'%_\\\"<>&镜🚀\t", imageshare.MaxDescriptionBytes/len("'%_\\\"<>&镜🚀\t"))
	longDesc += strings.Repeat("x", imageshare.MaxDescriptionBytes-len(longDesc))
	type text struct{ name, desc string }
	want := map[string]text{} // image id -> what was sent
	for i, s := range hostileTexts {
		desc := s + " | " + hostileTexts[(i+1)%len(hostileTexts)]
		if i == 0 {
			desc = longDesc
		}
		r := send(t, f.srv.URL, ucOp("CreateCompShareCustomImage", map[string]string{"UHostId": f.instance, "Name": s, "Description": desc}, true), alice)
		var out struct{ CompShareImageId string }
		if !r.ok() || json.Unmarshal(r.body, &out) != nil || out.CompShareImageId == "" {
			t.Fatalf("create %q: %s", s, r)
		}
		want[out.CompShareImageId] = text{s, desc}
	}
	check := func(via, id string, got text) {
		t.Helper()
		w, ok := want[id]
		if !ok {
			return
		}
		if got != w {
			t.Errorf("%s: image %s came back as\n  name %q desc %q\nsent\n  name %q desc %q", via, id, clipText(got.name), clipText(got.desc), clipText(w.name), clipText(w.desc))
		}
	}
	seen := map[string]int{}

	// UCloud.
	r := send(t, f.srv.URL, ucOp("DescribeCompShareCustomImages", map[string]string{"Limit": "100"}, false), alice)
	var uc struct {
		ImageSet []struct{ CompShareImageId, Name, Description string }
	}
	if !r.ok() || json.Unmarshal(r.body, &uc) != nil {
		t.Fatalf("UCloud listing: %s", r)
	}
	for _, im := range uc.ImageSet {
		check("UCloud", im.CompShareImageId, text{im.Name, im.Description})
		seen[im.CompShareImageId]++
	}

	// Alibaba, JSON and XML.
	for _, format := range []string{"JSON", "XML"} {
		r := send(t, f.srv.URL, alOp("DescribeImages", map[string]string{"ImageOwnerAlias": "self", "PageSize": "100", "Format": format}, false), alice)
		var al struct {
			Images struct {
				Image []struct{ ImageId, ImageName, Description string }
			}
		}
		var err error
		if format == "XML" {
			err = xml.Unmarshal(r.body, &al)
		} else {
			err = json.Unmarshal(r.body, &al)
		}
		if !r.ok() || err != nil {
			t.Fatalf("Alibaba %s listing: %v %s", format, err, r)
		}
		for _, im := range al.Images.Image {
			check("Alibaba "+format, im.ImageId, text{im.ImageName, im.Description})
			seen[im.ImageId]++
		}
	}

	// Baidu, one image at a time.
	for id := range want {
		r := send(t, f.srv.URL, bceOp("GetImageDetail", http.MethodGet, "/v2/image/"+url.PathEscape(id), "", "", false), alice)
		var bd struct {
			Image struct{ ID, Name, Desc string }
		}
		if !r.ok() || json.Unmarshal(r.body, &bd) != nil {
			t.Fatalf("Baidu detail of %s: %s", id, r)
		}
		check("Baidu", bd.Image.ID, text{bd.Image.Name, bd.Image.Desc})
		seen[bd.Image.ID]++
	}
	for id := range want {
		if seen[id] != 4 {
			t.Errorf("image %s was read back %d times, want 4 (UCloud, Alibaba JSON and XML, Baidu)", id, seen[id])
		}
	}

	// Name filters: a metacharacter matches itself only.
	names := map[string]string{} // id -> name, every image of alice's in bj
	r = send(t, f.srv.URL, alOp("DescribeImages", map[string]string{"ImageOwnerAlias": "self", "PageSize": "100"}, false), alice)
	var all struct {
		Images struct {
			Image []struct{ ImageId, ImageName string }
		}
	}
	if json.Unmarshal(r.body, &all) != nil {
		t.Fatalf("listing: %s", r)
	}
	for _, im := range all.Images.Image {
		names[im.ImageId] = im.ImageName
	}
	for _, filter := range []string{"%", "_", `\`, `'`, `"`, "%_", "$1", "--", "*", "🚀"} {
		var expect []string
		for id, n := range names {
			if strings.Contains(strings.ToLower(n), strings.ToLower(filter)) {
				expect = append(expect, id)
			}
		}
		slices.Sort(expect)
		r := send(t, f.srv.URL, alOp("DescribeImages", map[string]string{"ImageOwnerAlias": "self", "PageSize": "100", "ImageName": filter}, false), alice)
		var al struct {
			Images struct{ Image []struct{ ImageId string } }
		}
		if !r.ok() || json.Unmarshal(r.body, &al) != nil {
			t.Fatalf("Alibaba filter %q: %s", filter, r)
		}
		var got []string
		for _, im := range al.Images.Image {
			got = append(got, im.ImageId)
		}
		slices.Sort(got)
		if !slices.Equal(got, expect) {
			t.Errorf("Alibaba ImageName %q matched %d images %v, want %d %v", filter, len(got), got, len(expect), expect)
		}
		br := send(t, f.srv.URL, bceOp("ListImage", http.MethodGet, "/v2/image", "imageType=Custom&imageName="+url.QueryEscape(filter), "", false), alice)
		var bd struct{ Images []struct{ ID string } }
		if !br.ok() || json.Unmarshal(br.body, &bd) != nil {
			t.Fatalf("Baidu filter %q: %s", filter, br)
		}
		got = got[:0]
		for _, im := range bd.Images {
			got = append(got, im.ID)
		}
		slices.Sort(got)
		if !slices.Equal(got, expect) {
			t.Errorf("Baidu imageName %q matched %v, want %v", filter, got, expect)
		}
	}
}

func clipText(s string) string {
	if len(s) > 80 {
		return s[:80] + fmt.Sprintf("...(%d bytes)", len(s))
	}
	return s
}

// TestHostile_RefusedInput sends what no dialect may accept: invalid
// UTF-8, control characters, oversized values, bodies and lists, too many
// parameters. Each gets its dialect's parameter error (never a 5xx), and
// nothing changes.
func TestHostile_RefusedInput(t *testing.T) {
	f := newMatrixFixture(t)
	alice := keyCred(f.aliceKey)
	bob := strconv.FormatInt(f.bob.ID, 10)
	big := strings.Repeat("a", 64<<10+1)
	tooManyUC := map[string]string{"CompShareImageId": f.private}
	for i := 0; i < imageshare.MaxAccountsPerChange+1; i++ {
		tooManyUC["AddAccounts."+strconv.Itoa(i)] = strconv.Itoa(1000 + i)
	}
	manyParams := map[string]string{}
	for i := 0; i < 300; i++ {
		manyParams[fmt.Sprintf("P%d", i)] = "x"
	}
	create := func(name, desc string) apiOp {
		return ucOp("CreateCompShareCustomImage", map[string]string{"UHostId": f.instance, "Name": name, "Description": desc}, true)
	}
	cases := []struct {
		name string
		op   apiOp
		want refusal
	}{
		{"UCloud/InvalidUTF8", create("bad\xff\xfename", ""), refusal{200, "230"}},
		{"UCloud/NUL", create("nul\x00name", ""), refusal{200, "230"}},
		{"UCloud/ControlCharacter", create("esc\x1b[31mred", ""), refusal{200, "230"}},
		{"UCloud/NameOverBound", create(strings.Repeat("n", imageshare.MaxImageNameBytes+1), ""), refusal{200, "230"}},
		{"UCloud/DescriptionOverBound", create("long-desc", strings.Repeat("d", imageshare.MaxDescriptionBytes+1)), refusal{200, "230"}},
		{"UCloud/ValueOver64KiB", create("huge", big), refusal{200, "230"}},
		{"UCloud/ListIndexOverBound", ucOp("ModifyCompShareImageShareAccount", map[string]string{"CompShareImageId": f.private, "AddAccounts.100": bob}, true), refusal{200, "230"}},
		{"UCloud/TooManyAccounts", ucOp("ModifyCompShareImageShareAccount", tooManyUC, true), refusal{200, "302"}},

		{"Aliyun/InvalidUTF8", alOp("DescribeImages", map[string]string{"ImageName": "\xff"}, false), refusal{400, "InvalidParameter"}},
		{"Aliyun/NUL", alOp("ModifyImageSharePermission", map[string]string{"ImageId": f.private + "\x00", "AddAccount.1": bob}, true), refusal{400, "InvalidParameter"}},
		{"Aliyun/ValueOver64KiB", alOp("DescribeImages", map[string]string{"ImageName": big}, false), refusal{400, "InvalidParameter"}},
		{"Aliyun/TooManyParameters", alOp("DescribeImages", manyParams, false), refusal{400, "InvalidParameter"}},
		{"Aliyun/ListIndexOverBound", alOp("ModifyImageSharePermission", map[string]string{"ImageId": f.private, "AddAccount.11": bob}, true), refusal{400, "InvalidParameter"}},

		{"Baidu/InvalidUTF8Query", bceOp("ListImage", http.MethodGet, "/v2/image", "imageName=%FF", "", false), refusal{400, "InvalidURI"}},
		{"Baidu/InvalidUTF8Path", bceOp("DeleteImage", http.MethodDelete, "/v2/image/"+f.private+"%FF", "", "", true), refusal{400, "InvalidURI"}},
		{"Baidu/NULPath", bceOp("DeleteImage", http.MethodDelete, "/v2/image/"+f.private+"%00", "", "", true), refusal{400, "InvalidURI"}},
		{"Baidu/InvalidUTF8Body", bceOp("ShareImage", http.MethodPost, "/v2/image/"+f.private, "share", "{\"account\":\"bob\xff\"}", true), refusal{400, "MalformedJSON"}},
		{"Baidu/NULBody", bceOp("ShareImage", http.MethodPost, "/v2/image/"+f.private, "share", `{"account":"bob@example.com\u0000"}`, true), refusal{400, "InappropriateJSON"}},
		{"Baidu/BodyOver1MiB", bceOp("ShareImage", http.MethodPost, "/v2/image/"+f.private, "share", `{"account":"`+strings.Repeat("b", 1<<20)+`"}`, true), refusal{413, "RequestEntityTooLarge"}},
	}
	before := storeState(t, f.srv)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := send(t, f.srv.URL, c.op, alice)
			if r.status != c.want.status || r.code != c.want.code {
				t.Errorf("got %s, want %d %s", r, c.want.status, c.want.code)
			}
		})
	}

	// Requests no signer makes: refused while decoding, before any key is looked up.
	raw := []struct {
		name, dialect, contentType, query string
		body                              string
		want                              refusal
	}{
		{"UCloud/JSONInvalidUTF8", dUCloud, "application/json", "", "{\"Action\":\"DescribeCompShareCustomImages\",\"Name\":\"\xff\"}", refusal{200, "182"}},
		{"UCloud/JSONList101", dUCloud, "application/json", "", `{"Action":"ModifyCompShareImageShareAccount","PublicKey":"` + f.aliceKey.PublicKey + `","Signature":"x","AddAccounts":[` + strings.Repeat("1,", 100) + `1]}`, refusal{200, "230"}},
		{"UCloud/JSONDeepNesting", dUCloud, "application/json", "", `{"Action":"DescribeCompShareCustomImages","A":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`, refusal{200, "183"}}, // too deep
		{"UCloud/BodyOver1MiB", dUCloud, "application/x-www-form-urlencoded", "", "Action=DescribeCompShareImages&Name=" + strings.Repeat("x", 1<<20), refusal{200, "180"}},
		{"Aliyun/BodyOver1MiB", dAliyun, "application/x-www-form-urlencoded", "AccessKeyId=" + f.aliceKey.PublicKey + "&Format=JSON", "ImageName=" + strings.Repeat("x", 1<<20), refusal{413, "RequestTooLarge"}},
	}
	for _, c := range raw {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, f.srv.URL+"/?"+c.query, strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", c.contentType)
			r := doReply(t, c.dialect, req)
			if r.status != c.want.status || r.code != c.want.code {
				t.Errorf("got %s, want %d %s", r, c.want.status, c.want.code)
			}
		})
	}
	if after := storeState(t, f.srv); after != before {
		t.Errorf("refused input changed the store:\n%s", firstDiff(before, after))
	}
	if resp, err := http.Get(f.srv.URL + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("server unhealthy after hostile input: %v", err)
	}
}
