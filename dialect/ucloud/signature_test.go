package ucloud

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/imageshare/imageshare/internal/ucloudclient"
)

// The worked example of docs/protocols.md section 1.3, computed by the SDK.
func TestSignature_ProtocolsFormExample(t *testing.T) {
	body := url.Values{
		"Action":           {"ModifyCompShareImageShareAccount"},
		"AddAccounts.0":    {"123"},
		"AddAccounts.1":    {"456"},
		"CompShareImageId": {"compshareImage-abc"},
		"PublicKey":        {"PUBKEY-EXAMPLE"},
		"Region":           {"cn-wlcb"},
		"RemoveAccounts.0": {"789"},
		"Signature":        {"064f3b2c89e4369edabc69b7e72cbd7f58a4edc8"},
	}.Encode()
	pl, err := decodeForm([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	const want = "ActionModifyCompShareImageShareAccountAddAccounts.0123AddAccounts.1456CompShareImageIdcompshareImage-abcPublicKeyPUBKEY-EXAMPLERegioncn-wlcbRemoveAccounts.0789"
	if pl.signed != want {
		t.Errorf("signed string\n got %s\nwant %s", pl.signed, want)
	}
	if !verifySignature(pl.signed, pl.signature, "PRIVKEY-EXAMPLE") {
		t.Error("the SDK's signature does not verify")
	}
	if verifySignature(pl.signed, pl.signature, "PRIVKEY-EXAMPLE2") {
		t.Error("verified under the wrong private key")
	}
}

// The JSON variant of docs/protocols.md section 1.3, as the SDK marshals it.
func TestSignature_ProtocolsJSONExample(t *testing.T) {
	body := `{"Action":"ModifyCompShareImageShareAccount","AddAccounts":[123,456],"CompShareImageId":"x","PublicKey":"PUB","RemoveAccounts":null,"SecurityToken":"TOK","Signature":"0"}`
	pl, err := decodeJSON([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := "ActionModifyCompShareImageShareAccount" + "AddAccounts123456CompShareImageIdxPublicKeyPUBRemoveAccountsSecurityTokenTOK"
	if pl.signed != want {
		t.Errorf("signed string\n got %s\nwant %s", pl.signed, want)
	}
}

func TestVerifySignature(t *testing.T) {
	const pub, priv = "PUB-1", "PRIV-1"
	params := map[string]any{
		"CompShareImageId": "compshareImage-1",
		"AddAccounts":      []int{3, 1, 2},
		"RemoveAccounts":   []int(nil),
		"Name":             "a b&c=d+e/中文",
		"Price":            1e21,
		"Ratio":            0.000001,
		"On":               true,
		"Softwares":        map[string]any{"CUDAVersion": "12.1", "Applications": []string{"x", "y"}},
		"Disks":            []map[string]any{{"IsBoot": true, "Size": 40}, {"Size": 100}},
	}
	for _, enc := range []struct {
		name   string
		opts   []ucloudclient.Option
		decode func([]byte) (*payload, error)
	}{
		{"form", nil, decodeForm},
		{"json", []ucloudclient.Option{ucloudclient.WithJSON()}, decodeJSON},
	} {
		c := ucloudclient.New("http://unused", pub, priv, append(enc.opts, ucloudclient.WithRegion("cn-wlcb"))...)
		body, _, err := c.Body("ModifyCompShareImageShareAccount", params)
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name   string
			body   string
			key    string
			wantOK bool
		}{
			{"sdk signed", string(body), priv, true},
			{"wrong key", string(body), "PRIV-2", false},
			{"empty key", string(body), "", false},
			{"tampered value", strings.Replace(string(body), "compshareImage-1", "compshareImage-2", 1), priv, false},
			{"tampered list", tamperList(enc.name, string(body)), priv, false},
		}
		for _, tt := range tests {
			t.Run(enc.name+"/"+tt.name, func(t *testing.T) {
				pl, err := enc.decode([]byte(tt.body))
				if err != nil {
					t.Fatal(err)
				}
				if got := verifySignature(pl.signed, pl.signature, tt.key); got != tt.wantOK {
					t.Errorf("verify = %v, want %v (signed %q)", got, tt.wantOK, pl.signed)
				}
			})
		}
		t.Run(enc.name+"/uppercase hex", func(t *testing.T) {
			pl, err := enc.decode(body)
			if err != nil {
				t.Fatal(err)
			}
			if !verifySignature(pl.signed, strings.ToUpper(pl.signature), priv) {
				t.Error("uppercase signature rejected")
			}
			if verifySignature(pl.signed, pl.signature[:39], priv) {
				t.Error("truncated signature accepted")
			}
		})
	}
}

// tamperList swaps two list elements, which keeps every value but changes
// what was signed.
func tamperList(enc, body string) string {
	if enc == "json" {
		return strings.Replace(body, "[3,1,2]", "[1,3,2]", 1)
	}
	return strings.Replace(strings.Replace(body, "AddAccounts.0=3", "AddAccounts.0=1", 1), "AddAccounts.1=1", "AddAccounts.1=3", 1)
}

func TestSignedNumber(t *testing.T) {
	for in, want := range map[string]string{
		"42": "42", "-7": "-7", "1.5": "1.5", "1e+21": "1000000000000000000000",
		"1e-7": "0.0000001", "42.0": "42", "12345678901234567890": "12345678901234567890",
	} {
		if got := signedNumber(json.Number(in)); got != want {
			t.Errorf("signedNumber(%s) = %s, want %s", in, got, want)
		}
	}
}
