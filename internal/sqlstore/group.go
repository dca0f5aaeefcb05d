package sqlstore

import "imageshare"

// AttachVersions appends each version to its group in byKey (keyed by
// GroupID, or by the version's own id when it has no group); versions of
// groups not on the page are dropped. Both stores read a page of groups
// and then their newest versions in one query, and join them here.
func AttachVersions(byKey map[string]*imageshare.VersionGroup, versions []*imageshare.Image) {
	for _, v := range versions {
		key := v.GroupID
		if key == "" {
			key = v.ID
		}
		if g := byKey[key]; g != nil {
			g.Versions = append(g.Versions, v)
		}
	}
}
