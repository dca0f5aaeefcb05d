package ucloud

import (
	"reflect"
	"testing"

	"github.com/imageshare/imageshare"
)

// The lifecycle's RetCodes are distinct from errors.go's, below 2000 (never
// retried by the SDK), and every lifecycle reason maps to its own.
func TestCommunityRetCodes(t *testing.T) {
	seen := map[int]bool{}
	for _, c := range []int{CodeServiceUnavailable, CodeInternal, CodeMissingAction, CodeActionNotFound, CodeMissingSignature,
		CodeSignatureMismatch, CodeUserNotExists, CodeMissingPublicKey, CodeKeyDisabled, CodeBodyTooLarge,
		CodeUnsupportedRequest, CodeMalformedBody, CodeMissingParams, CodeInvalidParams, CodeRegionNotFound,
		CodeImageNotFound, CodeImageNotShareable, CodeTooManyAccounts, CodeNoAccounts, CodeAddRemoveSame,
		CodeShareQuota, CodeAccountNotFound, CodeShareToOwner, CodeConflict, CodeForbidden, CodeLimitExceeded,
		CodeNotFound, CodeUnauthenticatedMisc} {
		seen[c] = true
	}
	for reason, want := range map[imageshare.Reason]int{
		imageshare.ReasonInstanceNotFound: CodeInstanceNotFound,
		imageshare.ReasonDuplicateName:    CodeDuplicateName,
		imageshare.ReasonNotCustomImage:   CodeNotCustomImage,
		imageshare.ReasonGroupNotFound:    CodeGroupNotFound,
		imageshare.ReasonVersionNotFound:  CodeVersionNotFound,
	} {
		if seen[want] || want <= 0 || want >= 2000 {
			t.Errorf("RetCode %d of %s is taken or retried", want, reason)
		}
		seen[want] = true
		code, msg, internal := retCode(imageshare.Errorf(imageshare.KindConflict, reason, "m"))
		if code != want || msg != "m" || internal {
			t.Errorf("retCode(%s) = %d %q %v, want %d", reason, code, msg, internal, want)
		}
	}
}

func TestParams_BoolFloatSoftware(t *testing.T) {
	p := &params{values: map[string]string{
		"T": "true", "F": "false", "Bad": "yes",
		"P": "12.5", "NaN": "NaN", "Word": "cheap",
		"Softwares.Application.0": "comfyui", "Softwares.Applications.0": "jupyter", "Softwares.CUDAVersion": "12.4",
	}}
	for name, want := range map[string]bool{"T": true, "F": false} {
		if b, ok, err := p.Bool(name); err != nil || !ok || b != want {
			t.Errorf("Bool(%s) = %v %v %v", name, b, ok, err)
		}
	}
	if _, ok, err := p.Bool("Absent"); err != nil || ok {
		t.Errorf("Bool(Absent) = %v %v", ok, err)
	}
	if _, _, err := p.Bool("Bad"); err == nil {
		t.Error("Bool(yes) accepted")
	}
	if f, ok, err := p.Float("P"); err != nil || !ok || f != 12.5 {
		t.Errorf("Float(P) = %v %v %v", f, ok, err)
	}
	for _, name := range []string{"NaN", "Word"} {
		if _, _, err := p.Float(name); err == nil {
			t.Errorf("Float(%s) accepted", name)
		}
	}
	sw, err := p.software("Softwares")
	if err != nil {
		t.Fatal(err)
	}
	want := &imageshare.Software{Applications: []string{"jupyter", "comfyui"}, CUDAVersion: "12.4"}
	if !reflect.DeepEqual(sw, want) {
		t.Errorf("software = %+v, want %+v", sw, want)
	}
	if sw, err := p.software("Other"); sw != nil || err != nil {
		t.Errorf("absent software = %+v %v", sw, err)
	}
}

func TestUpdateSoftwares(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values map[string]string
		want   *imageshare.Software
		ok     bool
	}{
		{"Absent", map[string]string{}, nil, true},
		{"JSON", map[string]string{"Softwares": `{"CUDAVersion":"12.4","Applications":["a"]}`},
			&imageshare.Software{CUDAVersion: "12.4", Applications: []string{"a"}}, true},
		{"Structured", map[string]string{"Softwares.Framework": "PyTorch"}, &imageshare.Software{Framework: "PyTorch"}, true},
		{"NotJSON", map[string]string{"Softwares": "cuda"}, nil, false},
		{"UnknownKey", map[string]string{"Softwares": `{"Cuda":"12"}`}, nil, false},
		{"TrailingData", map[string]string{"Softwares": `{} {}`}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sw, err := updateSoftwares(&params{values: tc.values})
			if (err == nil) != tc.ok || !reflect.DeepEqual(sw, tc.want) {
				t.Errorf("updateSoftwares = %+v, %v; want %+v, ok %v", sw, err, tc.want, tc.ok)
			}
		})
	}
}
