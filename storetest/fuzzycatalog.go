package storetest

import (
	"fmt"
	"time"

	"github.com/imageshare/imageshare"
)

// The fuzzy-search catalog has the shape of cmd/imageshare-bench's
// community catalog (BENCHMARKS.md, "Fuzzy search"), so that the stores'
// search benchmarks and plan tests measure what the benchmark does: each
// publisher has FuzzyVersionsPerPublisher versions named
// family-variant-word, whose six-letter word only that publisher's
// versions carry, and FuzzyQuery(p) ("variant-word") finds exactly them
// at every catalog size. Families and variants make common trigrams
// ("cha", "at-") that a tenth of the catalog holds.
const FuzzyVersionsPerPublisher = 10

var (
	fuzzyFamilies = []string{"Llama", "Qwen", "Mistral", "Stable-Diffusion", "ComfyUI", "Whisper", "DeepSeek", "Yi", "ChatGLM", "Baichuan",
		"Phi", "Gemma", "Falcon", "InternLM", "MiniCPM", "Flux", "SDXL", "Bert", "T5", "Vicuna"}
	fuzzyVariants = []string{"base", "chat", "instruct", "coder", "vision", "math", "turbo", "lora", "gguf", "awq"}
)

// fuzzyWord returns a six-letter word for n < 21^3*5^3, distinct for
// distinct n.
func fuzzyWord(n int) string {
	const consonants, vowels = "bcdfghjklmnpqrstvwxyz", "aeiou"
	var b [6]byte
	for k := 0; k < 3; k++ {
		b[2*k] = consonants[n%21]
		n /= 21
		b[2*k+1] = vowels[n%5]
		n /= 5
	}
	return string(b[:])
}

// FuzzyQuery is the search that finds publisher p's versions.
func FuzzyQuery(p int) string { return fuzzyVariants[p%len(fuzzyVariants)] + "-" + fuzzyWord(p) }

// FuzzyVersion returns community version c of the catalog, published by
// owner: Available, public, in region cn-wlcb.
func FuzzyVersion(c int, owner int64) *imageshare.Image {
	p := c / FuzzyVersionsPerPublisher
	created := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(c) * time.Second)
	return &imageshare.Image{
		ID: fmt.Sprintf("compshare-fz%07d", c), Region: "cn-wlcb", OwnerID: owner, Type: imageshare.ImageCommunity,
		Status: imageshare.StatusAvailable, Visibility: 1, Tags: []string{},
		Name:   fuzzyFamilies[c%len(fuzzyFamilies)] + "-" + fuzzyVariants[p%len(fuzzyVariants)] + "-" + fuzzyWord(p),
		Author: fmt.Sprintf("publisher-%d", p), GroupID: fmt.Sprintf("compshareGroup-fz%07d", c/5),
		VersionName: fmt.Sprintf("v%d", c%5+1), CreatedAt: created, PublishedAt: created.Add(time.Hour),
	}
}
