package main

import (
	"fmt"
	"image/color"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The plots are drawn from the run's own numbers: throughput and p99
// against connections for the sweep scenarios, and p99 against dataset
// size for every scenario, imageshare beside the bare-HTTP limit.

var palette = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}, color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
	color.RGBA{R: 0xe3, G: 0x77, B: 0xc2, A: 0xff}, color.RGBA{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff},
}

var dashed = []vg.Length{vg.Points(4), vg.Points(3)}

// plot writes the PNGs into dir and returns their paths.
func (r *report) plot(dir string) ([]string, error) {
	var files []string
	save := func(p *plot.Plot, name string) error {
		path := filepath.Join(dir, name)
		if err := p.Save(7*vg.Inch, 4.5*vg.Inch, path); err != nil {
			return fmt.Errorf("plot %s: %w", name, err)
		}
		files = append(files, path)
		return nil
	}
	for _, sweep := range []struct{ scenario, file string }{
		{"DescribeCompShareImageShareAccounts", "describe"},
		{"ModifyCompShareImageShareAccount", "modify"},
	} {
		rps, p99, ok, err := r.sweepPlots(sweep.scenario)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if err := save(rps, sweep.file+"-throughput.png"); err != nil {
			return nil, err
		}
		if err := save(p99, sweep.file+"-p99.png"); err != nil {
			return nil, err
		}
	}
	if p, ok, err := r.sizePlot(); err != nil {
		return nil, err
	} else if ok {
		if err := save(p, "p99-by-dataset.png"); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// sweepPlots draws throughput and p99 against connections for one
// scenario, a line per dataset for imageshare (solid) and for its limit
// (dashed): the bare server for a read, raw commits for a write.
func (r *report) sweepPlots(name string) (rpsPlot, p99Plot *plot.Plot, ok bool, err error) {
	rpsPlot, p99Plot = plot.New(), plot.New()
	rpsPlot.Title.Text = name + ": throughput"
	p99Plot.Title.Text = name + ": p99 latency"
	for _, p := range []*plot.Plot{rpsPlot, p99Plot} {
		p.X.Label.Text = "connections"
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = connTicks(r.Options.Conns)
		p.Legend.Top = true
		p.Legend.Left = p == p99Plot
		p.Add(plotter.NewGrid())
	}
	rpsPlot.Y.Label.Text = "requests/s"
	p99Plot.Y.Label.Text = "p99 (ms)"
	for k, s := range r.Sizes {
		sc := s.scenario(name)
		if sc == nil || len(sc.Imageshare) < 2 {
			continue
		}
		ok = true
		c := palette[k%len(palette)]
		if err := addLine(rpsPlot, "imageshare "+r.label(s), c, nil, series(sc.Imageshare, func(m *measurement) float64 { return m.RPS })); err != nil {
			return nil, nil, false, err
		}
		if err := addLine(p99Plot, "imageshare "+r.label(s), c, nil, series(sc.Imageshare, func(m *measurement) float64 { return m.P99 })); err != nil {
			return nil, nil, false, err
		}
		switch {
		case len(sc.Bare) > 0 && r.measuredBare(s):
			if err := addLine(rpsPlot, "bare net/http "+r.label(s), c, dashed, series(sc.Bare, func(m *measurement) float64 { return m.RPS })); err != nil {
				return nil, nil, false, err
			}
			if err := addLine(p99Plot, "bare net/http "+r.label(s), c, dashed, series(sc.Bare, func(m *measurement) float64 { return m.P99 })); err != nil {
				return nil, nil, false, err
			}
		case sc.Write && r.Commits != nil && k == 0:
			flat := plotter.XYs{}
			for _, m := range sc.Imageshare {
				flat = append(flat, plotter.XY{X: float64(m.Conns), Y: r.Commits.PerSec})
			}
			if err := addLine(rpsPlot, "raw single-row commits", color.Black, dashed, flat); err != nil {
				return nil, nil, false, err
			}
		}
	}
	// Room above the lines for the legend.
	rpsPlot.Y.Min, rpsPlot.Y.Max = 0, rpsPlot.Y.Max*1.35
	p99Plot.Y.Min, p99Plot.Y.Max = 0, p99Plot.Y.Max*1.35
	return rpsPlot, p99Plot, ok, nil
}

// sizePlot draws p99 at the fixed connection count against the number of
// custom images, a line per scenario (log-log), bare server dashed.
func (r *report) sizePlot() (*plot.Plot, bool, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("p99 latency against dataset size (%d connections)", r.Options.FixedConns)
	p.X.Label.Text = "custom images (and as many community versions)"
	p.Y.Label.Text = "p99 (ms)"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{}, plot.LogTicks{}
	p.Legend.Top, p.Legend.Left = true, true
	p.Add(plotter.NewGrid())
	ok := false
	for k, name := range r.scenarioNames() {
		c := palette[k%len(palette)]
		var mine, bare plotter.XYs
		for _, s := range r.Sizes {
			if s.targetKey() != "sqlite" {
				continue // one line per scenario: SQLite's
			}
			sc := s.scenario(name)
			if m := fixedOf(sc, r.Options.FixedConns); m != nil && m.P99 > 0 {
				mine = append(mine, plotter.XY{X: float64(s.Spec.Images), Y: m.P99})
				if bm := at(sc.Bare, m.Conns); bm != nil && bm.P99 > 0 {
					bare = append(bare, plotter.XY{X: float64(s.Spec.Images), Y: bm.P99})
				}
			}
		}
		if len(mine) == 0 {
			continue
		}
		ok = true
		if err := addLine(p, name, c, nil, mine); err != nil {
			return nil, false, err
		}
		if len(bare) > 0 {
			if err := addLine(p, "  bare limit", c, dashed, bare); err != nil {
				return nil, false, err
			}
		}
	}
	p.Y.Max *= 8 // room above the lines for the legend (log scale)
	return p, ok, nil
}

func series(ms []*measurement, y func(*measurement) float64) plotter.XYs {
	xys := make(plotter.XYs, 0, len(ms))
	for _, m := range ms {
		xys = append(xys, plotter.XY{X: float64(m.Conns), Y: y(m)})
	}
	return xys
}

func addLine(p *plot.Plot, label string, c color.Color, dashes []vg.Length, xys plotter.XYs) error {
	l, pts, err := plotter.NewLinePoints(xys)
	if err != nil {
		return err
	}
	l.Color, pts.Color = c, c
	l.Width = vg.Points(1.5)
	l.Dashes = dashes
	pts.Shape = draw.CircleGlyph{}
	p.Add(l, pts)
	p.Legend.Add(label, l, pts)
	return nil
}

// connTicks labels exactly the connection counts measured.
func connTicks(conns []int) plot.Ticker {
	var ticks plot.ConstantTicks
	for _, c := range conns {
		ticks = append(ticks, plot.Tick{Value: float64(c), Label: fmt.Sprint(c)})
	}
	return ticks
}

// measuredBare says whether s is the run of its dataset that measured the
// bare server (the first); later targets of the dataset share its numbers
// and draw no line of their own.
func (r *report) measuredBare(s *sizeReport) bool {
	for _, o := range r.Sizes {
		if o.Spec == s.Spec {
			return o == s
		}
	}
	return true
}
