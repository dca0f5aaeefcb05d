package aliyun

import (
	"net/http"
	"strings"

	"github.com/imageshare/imageshare/dialect/kit"
)

// commonParams are accepted by every action (docs/aliyun.md, "Common
// parameters"): the V2 signature's, the envelope's and the routing ones.
// Each is read by the dialect itself, so none is ignored.
var commonParams = map[string]bool{
	"AccessKeyId": true, "Signature": true, "SignatureMethod": true, "SignatureVersion": true,
	"SignatureNonce": true, "SignatureType": true, "Timestamp": true, "SecurityToken": true,
	"Format": true, "Version": true, "Action": true, "RegionId": true,
}

// checkNames refuses a parameter the action does not read: one that is
// neither common nor in its table row (where "Name.N" stands for a list,
// any N), nor DryRun on an action that writes (every write checks then
// answers DryRunOperation, so DryRun is never ignored). Without this an
// ECS parameter imageshare does not implement would be accepted and
// silently ignored, and a client would act on an answer to another
// question.
func checkNames(row *kit.Row[actionFunc], p params) *apiError {
	for name := range p {
		if commonParams[name] || row.Writes && name == "DryRun" || accepts(row.Params, name) {
			continue
		}
		return newError(http.StatusBadRequest, "InvalidParameter",
			"The specified parameter %s is not supported by %s on this endpoint.", quoteShort(name), row.Name)
	}
	return nil
}

// accepts reports whether name is one of the patterns: equal, or equal
// segment by segment between dots where the pattern's "N" stands for a
// list index (digits).
func accepts(patterns []string, name string) bool {
	for _, pat := range patterns {
		if strings.Contains(pat, ".N") {
			if matchList(pat, name) {
				return true
			}
		} else if pat == name {
			return true
		}
	}
	return false
}

func matchList(pat, name string) bool {
	for {
		ps, prest, pmore := strings.Cut(pat, ".")
		ns, nrest, nmore := strings.Cut(name, ".")
		if pmore != nmore {
			return false
		}
		if ps == "N" {
			if ns == "" || strings.Trim(ns, "0123456789") != "" {
				return false
			}
		} else if ps != ns {
			return false
		}
		if !pmore {
			return true
		}
		pat, name = prest, nrest
	}
}

// errDryRun is Alibaba's answer to a DryRun whose checks all passed.
func errDryRun() *apiError {
	return newError(http.StatusBadRequest, "DryRunOperation", "Request validation has been passed with DryRun flag set.")
}
