package vocabulary_test

import (
	"os"
	"strings"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/dialect/aliyun"
	"github.com/imageshare/imageshare/dialect/baidu"
	"github.com/imageshare/imageshare/dialect/ucloud"
	"github.com/imageshare/imageshare/policy"
	"github.com/imageshare/imageshare/vocabulary"
)

// The vocabulary is derived from the dialects' action tables: every action
// a dialect serves has an entry, and every entry is an action the dialect
// serves, so a sub-user's call is never denied for want of an entry.
func TestVocabularyCoversServedActions(t *testing.T) {
	for _, tt := range []struct {
		dialect string
		served  []string
	}{
		{"aliyun", aliyun.Actions()},
		{"ucloud", ucloud.Actions()},
		{"baidu", baidu.Actions()},
	} {
		v := vocabulary.For(tt.dialect)
		if v == nil {
			t.Fatalf("%s registered no vocabulary", tt.dialect)
		}
		have := map[string]bool{}
		for _, a := range v.Actions {
			have[a.Name] = true
		}
		for _, name := range tt.served {
			if !have[v.Service+":"+name] || v.Action(name) == nil {
				t.Errorf("%s serves %s, which the vocabulary lacks", v.Dialect, name)
			}
			delete(have, v.Service+":"+name)
		}
		for name := range have {
			t.Errorf("%s vocabulary has %s, which the dialect does not serve", v.Dialect, name)
		}
	}
}

func TestVocabularyEntries(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range vocabulary.Vocabularies() {
		if vocabulary.For(v.Dialect) != v {
			t.Errorf("For(%q) is not its vocabulary", v.Dialect)
		}
		for i := range v.Actions {
			a := &v.Actions[i]
			if !strings.HasPrefix(a.Name, v.Service+":") {
				t.Errorf("%s is not in service %s", a.Name, v.Service)
			}
			if seen[strings.ToLower(a.Name)] {
				t.Errorf("%s appears twice", a.Name)
			}
			seen[strings.ToLower(a.Name)] = true
			if a.Level != vocabulary.Read && a.Level != vocabulary.List && a.Level != vocabulary.Write {
				t.Errorf("%s has level %q", a.Name, a.Level)
			}
			if len(a.Ops) == 0 {
				t.Errorf("%s runs no operation", a.Name)
			}
			// A policy naming the documented resource pattern (with
			// wildcards for its placeholders) covers the ARN the core builds.
			pat := strings.NewReplacer("{regionId}", "*", "{accountId}", "*", "{imageId}", "*", "{instanceId}", "*").Replace(v.Pattern(a))
			id := "x-1"
			if a.Level == vocabulary.List {
				id = "*"
			}
			if arn := v.ARN("cn-wlcb", 10001, a.Kind, id); !policy.Match(pat, arn) {
				t.Errorf("%s: pattern %s does not cover %s", a.Name, pat, arn)
			}
		}
	}
}

func TestLookup(t *testing.T) {
	v, a, ok := vocabulary.Lookup("ECS:describeImageSharePermission")
	if !ok || v != vocabulary.For("aliyun") || a.Name != "ecs:DescribeImageSharePermission" || a.Level != vocabulary.Read {
		t.Fatalf("Lookup = %v %+v %v", v, a, ok)
	}
	if !a.Allows(imageshare.OpDescribeShares) || a.Allows(imageshare.OpModifyShares) {
		t.Fatal("a read action allows the wrong operations")
	}
	if _, _, ok := vocabulary.Lookup("ecs:AllocatePublicIpAddress"); ok {
		t.Fatal("an unknown action was found")
	}
	if got, want := vocabulary.For("aliyun").ARN("cn-hangzhou", 10001, vocabulary.KindImage, "m-1"), "acs:ecs:cn-hangzhou:10001:image/m-1"; got != want {
		t.Fatalf("ARN = %s, want %s", got, want)
	}
	if got, want := vocabulary.For("baidu").ARN("", 7, vocabulary.KindImage, "*"), "brn:bce:bcc:*:7:image/*"; got != want {
		t.Fatalf("ARN = %s, want %s", got, want)
	}
	if got, want := vocabulary.For("aliyun").Pattern(&vocabulary.For("aliyun").Actions[0]), "acs:ecs:{regionId}:{accountId}:image/{imageId}"; got != want {
		t.Fatalf("Pattern = %s, want %s (seed 003)", got, want)
	}
}

// docs/ram.md prints every action's row as the vocabulary has it.
func TestDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/ram.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vocabulary.Vocabularies() {
		for i := range v.Actions {
			a := &v.Actions[i]
			var ops []string
			for _, o := range a.Ops {
				ops = append(ops, string(o))
			}
			row := "| `" + a.Name + "` | " + string(a.Level) + " | `" + v.Pattern(a) + "` | " + strings.Join(ops, ", ") + " |"
			if !strings.Contains(string(doc), row+"\n") {
				t.Errorf("docs/ram.md lacks the row\n%s", row)
			}
		}
	}
}
