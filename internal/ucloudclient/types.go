package ucloudclient

// The response types below mirror the declarations in ucloud-sdk-go
// v0.22.98 services/ucompshare (apis.go and models.go) field for field and
// type for type. Decoding a response into them with plain encoding/json,
// as Decode does, proves the SDK's strict decoder accepts it. Field names
// keep the SDK's spelling (AccountId, CompShareImageId).

// CommonBase is the SDK's response.CommonBase: fields every response has.
type CommonBase struct {
	Action  string
	RetCode int
	Message string
}

// Projects is the SDK's Projects model (an account).
type Projects struct {
	AccountId   string
	AccountName string
}

// Software is the SDK's Software model.
type Software struct {
	Applications     []string
	CUDAVersion      string
	Framework        string
	FrameworkVersion string
}

// CompShareImage is the SDK's CompShareImage model.
type CompShareImage struct {
	AuthInfo         int
	Author           string
	AutoStart        bool
	CompShareImageId string
	Container        string
	Cover            string
	CreateTime       int
	CreatedCount     int
	Description      string
	FailedReason     string
	FavoritesCount   int
	GroupId          string
	ImageCharge      bool
	ImageOwnerAlias  string
	ImageType        string
	ImageUseTime     int
	IsOfficial       bool
	Name             string
	Owner            Projects
	Price            float64
	PubTime          int
	Readme           string
	Size             int
	Softwares        Software
	SourceGpuType    string
	Status           string
	Tags             []string
	VersionDesc      string
	VersionName      string
	Visibility       int
}

// DescribeCompShareImageShareAccountsResponse is the SDK's response type.
type DescribeCompShareImageShareAccountsResponse struct {
	CommonBase
	AccountSet []Projects
}

// ModifyCompShareImageShareAccountResponse is the SDK's response type.
type ModifyCompShareImageShareAccountResponse struct {
	CommonBase
	InvalidAccounts []int
}

// DescribeCompShareCustomImagesResponse is the SDK's response type.
type DescribeCompShareCustomImagesResponse struct {
	CommonBase
	ImageSet   []CompShareImage
	TotalCount int
}

// DescribeCompShareSharingImagesResponse is the SDK's response type.
type DescribeCompShareSharingImagesResponse struct {
	CommonBase
	ImageSet   []CompShareImage
	TotalCount int
}

// DescribeCompShareImagesResponse is the SDK's response type.
type DescribeCompShareImagesResponse struct {
	CommonBase
	ImageSet   []CompShareImage
	TotalCount int
}
