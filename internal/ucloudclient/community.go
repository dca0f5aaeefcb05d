package ucloudclient

// Response types of the custom-image lifecycle and the community catalog,
// mirroring ucloud-sdk-go v0.22.98 services/ucompshare field for field and
// type for type (see types.go for why).

// CompshareImageGroup is the SDK's CompshareImageGroup model: one version
// group and its versions.
type CompshareImageGroup struct {
	CreatedCount   int
	Data           []CompShareImage
	FavoritesCount int
	GroupId        string
	ImageDesc      string
	ImageName      string
	ImageUseTime   int
	IsFavorite     bool
	RecommendCount int
	Status         string
}

// CreateCompShareCustomImageResponse is the SDK's response type.
type CreateCompShareCustomImageResponse struct {
	CommonBase
	CompShareImageId string
}

// GetCompShareImageCreateProgressResponse is the SDK's response type.
type GetCompShareImageCreateProgressResponse struct {
	CommonBase
	Process           float64
	RemainingDuration string
	TotalDuration     string
}

// UpdateCompShareImageResponse is the SDK's response type.
type UpdateCompShareImageResponse struct {
	CommonBase
}

// CopyCompShareCustomImageResponse is the SDK's response type.
type CopyCompShareCustomImageResponse struct {
	CommonBase
	NewCompShareImageId string
}

// TerminateCompShareCustomImageResponse is the SDK's response type.
type TerminateCompShareCustomImageResponse struct {
	CommonBase
}

// DescribeCompShareImageTagsResponse is the SDK's response type.
type DescribeCompShareImageTagsResponse struct {
	CommonBase
	Tags []string
}

// PublishCompShareImageResponse is the SDK's response type.
type PublishCompShareImageResponse struct {
	CommonBase
}

// DescribeCommunityImagesResponse is the SDK's response type.
type DescribeCommunityImagesResponse struct {
	CommonBase
	ImageSet   []CompShareImage
	TotalCount int
}

// DescribeSelfCommunityImagesResponse is the SDK's response type.
type DescribeSelfCommunityImagesResponse struct {
	CommonBase
	AvailableTotalCount int
	ImageSetGroup       []CompshareImageGroup
	TotalCount          int
}

// DescribeUserCommunityImagesResponse is the SDK's response type.
type DescribeUserCommunityImagesResponse struct {
	CommonBase
	AvailableTotalCount int
	ImageSetGroup       []CompshareImageGroup
	TotalCount          int
}
