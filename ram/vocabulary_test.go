package ram_test

import (
	"os"
	"strings"
	"testing"

	"imageshare"
	"imageshare/dialect/aliyun"
	"imageshare/dialect/ucloud"
	"imageshare/policy"
	"imageshare/ram"
)

// Every action a dialect serves has an entry, and every entry is an
// action the dialect serves: a call of a sub-user to an action without
// one would be denied whatever its policies say.
func TestVocabularyCoversServedActions(t *testing.T) {
	for _, tt := range []struct {
		v      *ram.Vocabulary
		served []string
	}{
		{ram.Aliyun, aliyun.Actions()},
		{ram.UCloud, ucloud.Actions()},
	} {
		have := map[string]bool{}
		for _, a := range tt.v.Actions {
			have[a.Name] = true
		}
		for _, name := range tt.served {
			if !have[tt.v.Service+":"+name] {
				t.Errorf("%s serves %s, which the vocabulary lacks", tt.v.Dialect, name)
			}
			delete(have, tt.v.Service+":"+name)
		}
		for name := range have {
			t.Errorf("%s vocabulary has %s, which the dialect does not serve", tt.v.Dialect, name)
		}
	}
}

func TestVocabularyEntries(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range ram.Vocabularies() {
		if ram.For(v.Dialect) != v {
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
			if a.Level != ram.Read && a.Level != ram.List && a.Level != ram.Write {
				t.Errorf("%s has level %q", a.Name, a.Level)
			}
			if len(a.Ops) == 0 {
				t.Errorf("%s runs no operation", a.Name)
			}
			// A policy naming the documented resource pattern (with
			// wildcards for its placeholders) covers the ARN the core builds.
			pat := strings.NewReplacer("{regionId}", "*", "{accountId}", "*", "{imageId}", "*", "{instanceId}", "*").Replace(v.Pattern(a))
			id := "x-1"
			if a.Level == ram.List {
				id = "*"
			}
			if arn := v.ARN("cn-wlcb", 10001, a.Kind, id); !policy.Match(pat, arn) {
				t.Errorf("%s: pattern %s does not cover %s", a.Name, pat, arn)
			}
		}
	}
}

func TestLookup(t *testing.T) {
	v, a, ok := ram.Lookup("ECS:describeImageSharePermission")
	if !ok || v != ram.Aliyun || a.Name != "ecs:DescribeImageSharePermission" || a.Level != ram.Read {
		t.Fatalf("Lookup = %v %+v %v", v, a, ok)
	}
	if !a.Allows(imageshare.OpDescribeShares) || a.Allows(imageshare.OpModifyShares) {
		t.Fatal("a read action allows the wrong operations")
	}
	if _, _, ok := ram.Lookup("ecs:RunInstances"); ok {
		t.Fatal("an unknown action was found")
	}
	if got, want := ram.Aliyun.ARN("cn-hangzhou", 10001, ram.KindImage, "m-1"), "acs:ecs:cn-hangzhou:10001:image/m-1"; got != want {
		t.Fatalf("ARN = %s, want %s", got, want)
	}
	if got, want := ram.Baidu.ARN("", 7, ram.KindImage, "*"), "brn:bce:bcc:*:7:image/*"; got != want {
		t.Fatalf("ARN = %s, want %s", got, want)
	}
	if got, want := ram.Aliyun.Pattern(&ram.Aliyun.Actions[0]), "acs:ecs:{regionId}:{accountId}:image/{imageId}"; got != want {
		t.Fatalf("Pattern = %s, want %s (seed 003)", got, want)
	}
}

// docs/ram.md prints every action's row as the vocabulary has it.
func TestDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/ram.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range ram.Vocabularies() {
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
