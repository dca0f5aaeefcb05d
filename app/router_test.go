package app

import (
	"net/url"
	"testing"
)

// formHasAliyunKey must agree with parsing the whole form and asking for
// the keys, which is what the router did before it looked at keys only.
func TestFormHasAliyunKey_AgreesWithParseQuery(t *testing.T) {
	bodies := []string{
		"",
		"Action=DescribeCompShareImageShareAccounts&PublicKey=pk&Region=cn-wlcb&Signature=abc",
		"AccessKeyId=ak&Action=DescribeImages&Format=JSON",
		"Action=X&SignatureMethod=HMAC-SHA1",
		"Access%4BeyId=ak&Action=X",
		"Signature+Method=HMAC-SHA1",
		"AccessKeyId",
		"&&AccessKeyId=&",
		"AccessKeyIdX=1&XAccessKeyId=2",
		"Name=AccessKeyId&Value=SignatureMethod",
		"AddAccounts.0=1&AddAccounts.1=2&CompShareImageId=compshareImage-x",
	}
	for _, b := range bodies {
		form, err := url.ParseQuery(b)
		if err != nil {
			t.Fatalf("test body %q does not parse: %v", b, err)
		}
		if got, want := formHasAliyunKey([]byte(b)), isAliyun(form); got != want {
			t.Errorf("formHasAliyunKey(%q) = %v, ParseQuery says %v", b, got, want)
		}
	}
}

func BenchmarkRouterFormSniff(b *testing.B) {
	body := []byte("Action=ModifyCompShareImageShareAccount&AddAccounts.0=10002&CompShareImageId=compshareImage-alice-llama&PublicKey=demo-alice-public&Region=cn-wlcb&Signature=2bc521d134445c593c15f0a6acb665c3900a5230")
	b.Run("ParseQuery", func(b *testing.B) {
		for b.Loop() {
			form, _ := url.ParseQuery(string(body))
			_ = isAliyun(form)
		}
	})
	b.Run("KeysOnly", func(b *testing.B) {
		for b.Loop() {
			_ = formHasAliyunKey(body)
		}
	})
}
