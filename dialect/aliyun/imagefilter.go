package aliyun

import (
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/imageshare/imageshare"
)

// The filters of DescribeImages beyond owner, id, name and status
// (docs/aliyun.md, "DescribeImages"). Each is honoured through
// imageshare.ImageFilter, or refused with the code ECS documents for a
// bad value; none is accepted and ignored.

// maxFilterTags bounds Tag.N, as ECS does (N from 1 to 20).
const maxFilterTags = 20

// describeFilter is what the filters decode to: the domain filter's
// fields, and whether the request can match nothing at all (an
// InstanceType whose architecture contradicts Architecture).
type describeFilter struct {
	matchNone bool
}

// filterTimeShape is the shape of Filter.N.Value for the creation time
// keys: yyyy-MM-ddTHH:mmZ, as ECS documents (seconds are accepted too).
var filterTimeShapes = []string{"2006-01-02T15:04Z", "2006-01-02T15:04:05Z"}

// applyDescribeFilters decodes the filters into f.
func applyDescribeFilters(p params, f *imageshare.ImageFilter) (describeFilter, *apiError) {
	var df describeFilter
	if v := p["OSType"]; v != "" {
		switch strings.ToLower(v) {
		case "linux", "windows":
			f.OSType = strings.ToLower(v)
		default:
			return df, newError(http.StatusBadRequest, "InvalidOSType", "The specified OSType is not valid: it must be linux or windows.")
		}
	}
	if v := p["Architecture"]; v != "" {
		if !imageshare.ValidArchitecture(v) {
			return df, newError(http.StatusBadRequest, "InvalidArchitecture", "The specified Architecture is not valid: it must be i386, x86_64 or arm64.")
		}
		f.Architecture = v
	}
	if v := p["InstanceType"]; v != "" {
		arch, ok := instanceTypeArch(v)
		if !ok {
			return df, newError(http.StatusBadRequest, "InvalidInstanceType.ValueNotSupported",
				"The specified InstanceType %q is not valid: it must look like ecs.<family>.<size>.", v)
		}
		if f.Architecture != "" && f.Architecture != arch {
			df.matchNone = true // no image runs on both architectures
		}
		f.Architecture = arch
	}
	f.ImageFamily = p["ImageFamily"]
	switch v := p["Usage"]; v {
	case "":
	case "instance", "none":
		inUse := v == "instance"
		f.InUse = &inUse
	default:
		return df, newError(http.StatusBadRequest, "InvalidUsage", "The specified Usage is not valid: it must be instance or none.")
	}
	var ae *apiError
	if f.Public, ae = p.boolean("IsPublic"); ae != nil {
		return df, ae
	}
	if f.IsSupportIoOptimized, ae = p.boolean("IsSupportIoOptimized"); ae != nil {
		return df, ae
	}
	if f.IsSupportCloudinit, ae = p.boolean("IsSupportCloudinit"); ae != nil {
		return df, ae
	}
	if v := p["ImageOwnerId"]; v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return df, errInvalid("ImageOwnerId", "it must be a positive account id")
		}
		f.OwnerID = id
	}
	f.SnapshotID = p["SnapshotId"]
	f.ResourceGroupID = p["ResourceGroupId"]
	if v := p["ActionType"]; v != "" && v != "CreateEcs" && v != "ChangeOS" {
		return df, errInvalid("ActionType", "it must be CreateEcs or ChangeOS")
	}
	if _, ae = p.boolean("ShowExpired"); ae != nil {
		return df, ae
	}
	if f.KeyTags, ae = tagFilters(p); ae != nil {
		return df, ae
	}
	if ae = creationFilters(p, f); ae != nil {
		return df, ae
	}
	return df, nil
}

// armFamily matches the ECS instance families built on ARM (Yitian and
// Ampere: g8y, c8y, r8y, g6r, c6r, ...): a generation digit followed by a
// suffix ending in y, or the suffix r.
var (
	instanceTypeShape = regexp.MustCompile(`^ecs\.([a-z]+[0-9]+[a-z-]*)\.[a-z0-9-]+$`)
	armFamily         = regexp.MustCompile(`[0-9]([a-z-]*y|r)$`)
)

// instanceTypeArch is the architecture of the images an instance type
// runs, as its family name says; imageshare has no instance type
// catalogue, so this is what InstanceType filters by.
func instanceTypeArch(instanceType string) (string, bool) {
	m := instanceTypeShape.FindStringSubmatch(instanceType)
	if m == nil {
		return "", false
	}
	if armFamily.MatchString(m[1]) {
		return imageshare.ArchARM64, true
	}
	return imageshare.ArchX86_64, true
}

// tagFilters reads Tag.N.Key and Tag.N.Value (N from 1 to 20). A key
// without a value matches any value of that key (the SDKs omit or send
// empty an unset value alike, so empty is absent, as for every parameter
// of this dialect); a value without its key is InvalidTag.Mismatch.
func tagFilters(p params) ([]imageshare.TagMatch, *apiError) {
	type pair struct {
		key, value       string
		hasKey, hasValue bool
	}
	var byIndex [maxFilterTags + 1]pair
	found := false
	// Sorted, so that of several faults the same one is always reported.
	for _, name := range slices.Sorted(maps.Keys(p)) {
		v := p[name]
		rest, ok := strings.CutPrefix(name, "Tag.")
		if !ok {
			continue
		}
		idx, field, _ := strings.Cut(rest, ".")
		n, err := strconv.Atoi(idx)
		if err != nil || n < 1 || strconv.Itoa(n) != idx || (field != "Key" && field != "Value") {
			return nil, errInvalid(name, "tags are given as Tag.N.Key and Tag.N.Value, N from 1")
		}
		if n > maxFilterTags {
			return nil, newError(http.StatusBadRequest, "InvalidTagCount", "The specified tags are beyond the permitted range: at most %d.", maxFilterTags)
		}
		if field == "Key" {
			byIndex[n].key, byIndex[n].hasKey = v, v != ""
		} else {
			byIndex[n].value, byIndex[n].hasValue = v, v != ""
		}
		found = true
	}
	if !found {
		return nil, nil
	}
	var out []imageshare.TagMatch
	for _, t := range byIndex[1:] {
		switch {
		case t.hasKey:
			out = append(out, imageshare.TagMatch{Key: t.key, Value: t.value, AnyValue: !t.hasValue})
		case t.hasValue:
			return nil, newError(http.StatusBadRequest, "InvalidTag.Mismatch", "The specified Tag.n.Key and Tag.n.Value are not match.")
		}
	}
	return out, nil
}

// creationFilters reads Filter.N.Key and Filter.N.Value: the keys ECS
// documents for DescribeImages are CreationStartTime and CreationEndTime.
func creationFilters(p params, f *imageshare.ImageFilter) *apiError {
	keys := map[string]string{}
	values := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(p)) {
		v := p[name]
		rest, ok := strings.CutPrefix(name, "Filter.")
		if !ok {
			continue
		}
		idx, field, _ := strings.Cut(rest, ".")
		n, err := strconv.Atoi(idx)
		if err != nil || n < 1 || n > maxListItems || strconv.Itoa(n) != idx || (field != "Key" && field != "Value") {
			return errInvalid(name, fmt.Sprintf("filters are given as Filter.N.Key and Filter.N.Value, N from 1 to %d", maxListItems))
		}
		if field == "Key" {
			keys[idx] = v
		} else {
			values[idx] = v
		}
	}
	for _, idx := range slices.Sorted(maps.Keys(values)) {
		if _, ok := keys[idx]; !ok {
			return newError(http.StatusBadRequest, "InvalidFilterKey.NotFound", "The specified Filter.%s.Key is not given.", idx)
		}
	}
	for _, idx := range slices.Sorted(maps.Keys(keys)) {
		key := keys[idx]
		var dst *time.Time
		switch key {
		case "CreationStartTime":
			dst = &f.CreatedFrom
		case "CreationEndTime":
			dst = &f.CreatedTo
		default:
			return newError(http.StatusBadRequest, "InvalidFilterKey.NotFound",
				"The specified Filter.%s.Key %q is not supported: it must be CreationStartTime or CreationEndTime.", idx, key)
		}
		v := values[idx]
		var t time.Time
		var err error
		for _, shape := range filterTimeShapes {
			if t, err = time.Parse(shape, v); err == nil {
				break
			}
		}
		if err != nil {
			return newError(http.StatusBadRequest, "InvalidFilterValue",
				"The specified Filter.%s.Value %q is not valid: it must be a UTC time such as 2024-05-01T12:00Z.", idx, v)
		}
		*dst = t
	}
	return nil
}
