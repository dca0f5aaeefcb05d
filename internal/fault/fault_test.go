package fault

import (
	"context"
	"slices"
	"testing"
	"time"
)

func TestCountUsesUpAndRemoves(t *testing.T) {
	in := New()
	var seen []string
	in.OnInject = func(d, a, k string) { seen = append(seen, d+"/"+a+"/"+k) }
	if _, err := in.Add(Rule{Dialect: "ucloud", Action: "A", Code: "150", Count: 2}); err != nil {
		t.Fatal(err)
	}
	if in.Check("aliyun", "A") != nil || in.Check("ucloud", "B") != nil {
		t.Fatal("a rule matched another dialect or action")
	}
	for i := range 2 {
		if h := in.Check("ucloud", "A"); h == nil || h.Code != "150" {
			t.Fatalf("call %d: %+v", i, h)
		}
	}
	if h := in.Check("ucloud", "A"); h != nil || len(in.List()) != 0 {
		t.Fatalf("after its count: %+v, rules %v", h, in.List())
	}
	if len(seen) != 2 || seen[0] != "ucloud/A/error" {
		t.Fatalf("OnInject saw %v", seen)
	}
}

func TestWildcardsOrderAndDelay(t *testing.T) {
	in := New()
	first, _ := in.Add(Rule{Dialect: "*", Action: "X", Delay: time.Second})
	in.Add(Rule{Dialect: "baidu", Action: "*", Code: "AccessDenied"})
	if h := in.Check("baidu", "X"); h == nil || h.Delay != time.Second || h.Code != "" {
		t.Fatalf("the first rule added is the one that applies: %+v", h)
	}
	if h := in.Check("baidu", "Y"); h == nil || h.Code != "AccessDenied" {
		t.Fatalf("dialect wildcard: %+v", h)
	}
	if !in.Remove(first.ID) || in.Remove(first.ID) {
		t.Fatal("Remove")
	}
	if rules := in.List(); len(rules) != 1 || rules[0].Injected != 1 {
		t.Fatalf("rules %+v", rules)
	}
	in.Clear()
	if in.Check("baidu", "Y") != nil {
		t.Fatal("Clear left a rule")
	}
}

// Probability is decided by the injector's random source; with a fixed
// one the outcome is known: a draw below the probability applies.
func TestProbability(t *testing.T) {
	in := New()
	draws := []float64{0.1, 0.9, 0.29, 0.3}
	in.rand = func() float64 { d := draws[0]; draws = draws[1:]; return d }
	in.Add(Rule{Dialect: "aliyun", Action: "A", Code: "Throttling", Probability: 0.3, Count: 5})
	var got []bool
	for range 4 {
		got = append(got, in.Check("aliyun", "A") != nil)
	}
	if want := []bool{true, false, true, false}; !slices.Equal(got, want) {
		t.Fatalf("applied %v, want %v", got, want)
	}
	if r := in.List()[0]; r.Count != 3 || r.Injected != 2 {
		t.Fatalf("a call the draw spared uses no count: %+v", r)
	}
}

func TestValidateAndContext(t *testing.T) {
	for _, r := range []Rule{
		{Action: "A", Code: "1"},
		{Dialect: "d", Action: "A"},
		{Dialect: "d", Action: "A", Code: "1", Count: -1},
		{Dialect: "d", Action: "A", Code: "1", Probability: 1.5},
		{Dialect: "d", Action: "A", Code: "1", Status: 42},
		{Dialect: "d", Action: "A", Delay: time.Hour},
	} {
		if _, err := New().Add(r); err == nil {
			t.Errorf("%+v accepted", r)
		}
	}
	var nilInjector *Injector
	if nilInjector.Check("d", "a") != nil || From(context.Background()) != nil {
		t.Fatal("no injector must inject nothing")
	}
	in := New()
	if From(NewContext(context.Background(), in)) != in {
		t.Fatal("context round trip")
	}
}
