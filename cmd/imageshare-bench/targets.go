package main

import (
	"fmt"
	"path/filepath"
	"strings"
)

// The targets of issue 18, checked against a run: for each way of
// serving (SQLite; PostgreSQL with one or more replicas), the smallest
// dataset of the run is the "1k" column and the largest the "1M" one.

// targetGroups returns the runs by target, each in dataset order.
func (r *report) targetGroups() [][]*sizeReport {
	var keys []string
	byKey := map[string][]*sizeReport{}
	for _, s := range r.Sizes {
		k := s.targetKey()
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], s)
	}
	var out [][]*sizeReport
	for _, k := range keys {
		out = append(out, byKey[k])
	}
	return out
}

// p99Growth is a scenario's p99 on the group's last dataset over its p99
// on the first.
func (r *report) p99Growth(g []*sizeReport, name string) (float64, bool) {
	first := fixedOf(g[0].scenario(name), r.Options.FixedConns)
	last := fixedOf(g[len(g)-1].scenario(name), r.Options.FixedConns)
	if first == nil || last == nil || first.P99 <= 0 || last.P99 <= 0 {
		return 0, false
	}
	return last.P99 / first.P99, true
}

// goal is one row of the targets table: a ratio (percent of the limit)
// each scenario must reach on the small and the large dataset.
type goal struct {
	label        string
	scenarios    []string
	small, large float64 // percent
}

var goals = []goal{
	{"UCloud hot read, Baidu sharedUsers", []string{"DescribeCompShareImageShareAccounts", "GET sharedUsers"}, 60, 50},
	{"Alibaba DescribeImageSharePermission", []string{"DescribeImageSharePermission"}, 40, 35},
	{"DescribeUserCommunityImages, fuzzy DescribeCommunityImages", []string{"DescribeUserCommunityImages", "DescribeCommunityImages"}, 30, 25},
	{"ModifyCompShareImageShareAccount (of raw durable commits)", []string{"ModifyCompShareImageShareAccount"}, 100, 80},
}

const (
	fuzzyP99Goal  = 20.0 // ms, on the large dataset
	p99GrowthGoal = 1.5
	peakRSSGoal   = 150.0 // MB, on the large dataset
)

// ratio is a scenario's throughput as a percentage of its limit (bare
// server or raw commits) at the fixed connection count.
func (r *report) ratio(s *sizeReport, name string) (float64, bool) {
	sc := s.scenario(name)
	m := fixedOf(sc, r.Options.FixedConns)
	if m == nil {
		return 0, false
	}
	if sc.Write {
		c := r.rawCommits(s)
		if c == nil || c.PerSec == 0 {
			return 0, false
		}
		return 100 * m.RPS / c.PerSec, true
	}
	bm := at(sc.Bare, m.Conns)
	if bm == nil || bm.RPS == 0 {
		return 0, false
	}
	return 100 * m.RPS / bm.RPS, true
}

func mark(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

// targetsMarkdown writes the targets table for each target.
func (r *report) targetsMarkdown(w func(string, ...any)) {
	for _, g := range r.targetGroups() {
		small, large := g[0], g[len(g)-1]
		w("### Targets (issue 18), %s: %s and %s, %d connections\n\n", small.target(), r.label(small), r.label(large), r.Options.FixedConns)
		w("Load average (1, 5, 15 min) %s at the start of the run, %s at its end.\n\n", r.Machine.LoadBefore, r.Machine.LoadAfter)
		w("| target | %s | %s | reached? |\n|---|---|---|---|\n", r.label(small), r.label(large))
		for _, gl := range goals {
			for _, name := range gl.scenarios {
				cell := func(s *sizeReport, want float64) (string, bool, bool) {
					v, ok := r.ratio(s, name)
					if !ok {
						return "–", false, false
					}
					return fmt.Sprintf("%.0f%% (≥ %.0f%%)", v, want), v >= want, true
				}
				a, okA, hasA := cell(small, gl.small)
				b, okB, hasB := cell(large, gl.large)
				if !hasA && !hasB {
					continue
				}
				reached := "–"
				if hasA || hasB {
					reached = mark((okA || !hasA) && (okB || !hasB))
				}
				if len(g) == 1 {
					b, reached = "–", mark(okA)
				}
				w("| %s: %s | %s | %s | %s |\n", gl.label, name, a, b, reached)
			}
		}
		if len(g) > 1 {
			if m := fixedOf(large.scenario("DescribeCommunityImages"), r.Options.FixedConns); m != nil {
				w("| fuzzy DescribeCommunityImages p99 ≤ %.0f ms | – | %.1f ms | %s |\n", fuzzyP99Goal, m.P99, mark(m.P99 <= fuzzyP99Goal))
			}
			var grown []string
			worst, all := 0.0, true
			for _, name := range r.scenarioNames() {
				if v, ok := r.p99Growth(g, name); ok {
					worst = max(worst, v)
					if v > p99GrowthGoal {
						all = false
						grown = append(grown, fmt.Sprintf("%s %.2f×", name, v))
					}
				}
			}
			if worst > 0 {
				detail := fmt.Sprintf("worst %.2f×", worst)
				if len(grown) > 0 {
					detail += ": " + strings.Join(grown, ", ")
				}
				w("| p99 growth %s / %s ≤ %.1f×, every scenario | – | %s | %s |\n", large.Spec.Name, small.Spec.Name, p99GrowthGoal, detail, mark(all))
			}
		}
		w("| peak RSS ≤ %.0f MB | %.1f MB | %.1f MB | %s |\n\n", peakRSSGoal, small.RSSPeakMB, large.RSSPeakMB, mark(large.RSSPeakMB <= peakRSSGoal))
	}
}

// profilesMarkdown lists the CPU profiles of the run.
func (r *report) profilesMarkdown(w func(string, ...any)) {
	var lines []string
	for _, s := range r.Sizes {
		for _, sc := range s.Scenarios {
			if sc.Profile != "" {
				lines = append(lines, fmt.Sprintf("- %s, %s: `%s` (top: `%s`)", r.label(s), sc.Name, sc.Profile,
					strings.TrimSuffix(filepath.Base(sc.Profile), ".pprof")+".top.txt"))
			}
		}
	}
	if len(lines) == 0 {
		return
	}
	w("### CPU profiles\n\nOf the server (the first replica) during each scenario's measured run at %d connections (`go tool pprof -top BIN FILE`):\n\n%s\n\n",
		r.Options.FixedConns, strings.Join(lines, "\n"))
}
