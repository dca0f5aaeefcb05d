package admin

// The CI conveniences (docs/deploy.md "CI conveniences"), served when
// Options.CI is set:
//
//	POST   /admin/seed                        a seed document (YAML or JSON), applied as --seed is
//	POST   /admin/accounts                    {"name","organization_id"}: an account and a fresh key
//	POST   /admin/accounts/{id}/keys          a fresh key for an account
//	POST   /admin/reset                       {"empty": false}: back to the seed (or empty); faults cleared
//	GET    /admin/snapshots                   the named snapshots
//	PUT    /admin/snapshots/{name}            save the store's content under name
//	POST   /admin/snapshots/{name}/restore    put it back
//	DELETE /admin/snapshots/{name}
//	GET    /admin/faults                      the fault rules (internal/fault)
//	POST   /admin/faults                      {"dialect","action","code","status","message","delay","count","probability"}
//	DELETE /admin/faults/{id}
//	DELETE /admin/faults                      every rule

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/core"
	"github.com/imageshare/imageshare/internal/fault"
	"github.com/imageshare/imageshare/seed"
	"github.com/imageshare/imageshare/vocabulary"
)

// CI is what the CI endpoints act on: the server (app.Main).
type CI interface {
	// Operator is the core service records are made through, under the
	// core's rules (as a seed is applied).
	Operator() core.Operator
	Faults() *fault.Injector
	Reset(ctx context.Context, empty bool) error
	Snapshot(ctx context.Context, name string) (Snapshot, error)
	Restore(ctx context.Context, name string) (Snapshot, error)
	Snapshots() []Snapshot
	DeleteSnapshot(name string) error
}

// Snapshot describes a named snapshot.
type Snapshot struct {
	Name  string `json:"name"`
	Bytes int    `json:"bytes"`
	Rows  int    `json:"rows,omitempty"`
}

// Errors a CI implementation returns for the API to answer in kind.
var (
	ErrNoSnapshot       = errors.New("no snapshot of that name")
	ErrBadSnapshotName  = errors.New("bad snapshot name")
	ErrTooManySnapshots = errors.New("too many snapshots")
)

// seedMaxBody bounds a seed document sent to /admin/seed.
const seedMaxBody = 8 << 20

func (h *handler) mountCI() {
	h.mux.HandleFunc("POST /admin/seed", h.applySeed)
	h.mux.HandleFunc("POST /admin/accounts", h.createAccount)
	h.mux.HandleFunc("POST /admin/accounts/{id}/keys", h.createKey)
	h.mux.HandleFunc("POST /admin/reset", h.reset)
	h.mux.HandleFunc("GET /admin/snapshots", h.listSnapshots)
	h.mux.HandleFunc("PUT /admin/snapshots/{name}", h.saveSnapshot)
	h.mux.HandleFunc("POST /admin/snapshots/{name}/restore", h.restoreSnapshot)
	h.mux.HandleFunc("DELETE /admin/snapshots/{name}", h.deleteSnapshot)
	h.mux.HandleFunc("GET /admin/faults", h.listFaults)
	h.mux.HandleFunc("POST /admin/faults", h.addFault)
	h.mux.HandleFunc("DELETE /admin/faults/{id}", h.removeFault)
	h.mux.HandleFunc("DELETE /admin/faults", h.clearFaults)
}

// readAll reads a whole body (bounded by ServeHTTP) that must be UTF-8.
func readAll(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, invalid("request body larger than %d bytes", tooLarge.Limit)
		}
		return nil, invalid("could not read the request body")
	}
	return body, checkBody(body)
}

func (h *handler) applySeed(w http.ResponseWriter, r *http.Request) {
	body, err := readAll(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f, err := seed.Parse(body)
	if err != nil {
		h.fail(w, r, invalid("%s", clip(err.Error())))
		return
	}
	if err := seed.Apply(r.Context(), h.ci.Operator(), f); err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]map[string]int{"applied": {
		"regions": len(f.Regions), "accounts": len(f.Accounts), "images": len(f.Images), "shares": len(f.Shares),
		"instances": len(f.Instances), "policies": len(f.Policies), "groups": len(f.Groups), "users": len(f.Users),
	}})
}

type keyJSON struct {
	AccountID  int64  `json:"account_id"`
	PublicKey  string `json:"public_key"`
	PrivateKey string `json:"private_key"`
}

func (h *handler) createAccount(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name           string `json:"name"`
		OrganizationID int64  `json:"organization_id"`
	}
	if err := decodeBody(r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := checkText("name", req.Name, maxIDBytes); err != nil || req.Name == "" {
		h.fail(w, r, firstErr(err, invalid("name is required")))
		return
	}
	a := &imageshare.Account{Name: req.Name, OrganizationID: req.OrganizationID}
	k, err := h.ci.Operator().CreateAccount(r.Context(), a)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{
		"account": map[string]any{"id": a.ID, "name": a.Name, "organization_id": a.OrganizationID},
		"key":     keyJSON{AccountID: a.ID, PublicKey: k.PublicKey, PrivateKey: k.PrivateKey},
	})
}

func (h *handler) createKey(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.fail(w, r, invalid("the account id is a positive integer"))
		return
	}
	k, err := h.ci.Operator().CreateKey(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, keyJSON{AccountID: k.AccountID, PublicKey: k.PublicKey, PrivateKey: k.PrivateKey})
}

func (h *handler) reset(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Empty bool `json:"empty"`
	}
	if err := decodeBody(r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.ci.Reset(r.Context(), req.Empty); err != nil {
		h.fail(w, r, err)
		return
	}
	to := "seed"
	if req.Empty {
		to = "empty"
	}
	writeJSON(w, http.StatusOK, map[string]string{"reset": to})
}

func (h *handler) listSnapshots(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string][]Snapshot{"snapshots": h.ci.Snapshots()})
}

func (h *handler) saveSnapshot(w http.ResponseWriter, r *http.Request) {
	s, err := h.ci.Snapshot(r.Context(), r.PathValue("name"))
	h.snapshotAnswer(w, r, s, err)
}

func (h *handler) restoreSnapshot(w http.ResponseWriter, r *http.Request) {
	s, err := h.ci.Restore(r.Context(), r.PathValue("name"))
	h.snapshotAnswer(w, r, s, err)
}

func (h *handler) deleteSnapshot(w http.ResponseWriter, r *http.Request) {
	if err := h.ci.DeleteSnapshot(r.PathValue("name")); err != nil {
		h.snapshotAnswer(w, r, Snapshot{}, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) snapshotAnswer(w http.ResponseWriter, r *http.Request, s Snapshot, err error) {
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, s)
	case errors.Is(err, ErrNoSnapshot):
		writeError(w, http.StatusNotFound, "not_found", "", "no snapshot named "+clip(r.PathValue("name")))
	case errors.Is(err, ErrBadSnapshotName), errors.Is(err, ErrTooManySnapshots):
		writeError(w, http.StatusBadRequest, "invalid", "", err.Error())
	default:
		h.fail(w, r, err)
	}
}

// faultJSON is a fault rule on the wire: the delay as a Go duration
// ("250ms", "2s").
type faultJSON struct {
	ID          int64   `json:"id,omitempty"`
	Dialect     string  `json:"dialect"`
	Action      string  `json:"action"`
	Code        string  `json:"code,omitempty"`
	Status      int     `json:"status,omitempty"`
	Message     string  `json:"message,omitempty"`
	Delay       string  `json:"delay,omitempty"`
	Count       int     `json:"count,omitempty"`
	Probability float64 `json:"probability,omitempty"`
	Injected    int64   `json:"injected"`
}

func toJSON(r fault.Rule) faultJSON {
	f := faultJSON{ID: r.ID, Dialect: r.Dialect, Action: r.Action, Code: r.Code, Status: r.Status, Message: r.Message,
		Count: r.Count, Probability: r.Probability, Injected: r.Injected}
	if r.Delay > 0 {
		f.Delay = r.Delay.String()
	}
	return f
}

func (h *handler) listFaults(w http.ResponseWriter, r *http.Request) {
	out := []faultJSON{}
	for _, f := range h.ci.Faults().List() {
		out = append(out, toJSON(f))
	}
	writeJSON(w, http.StatusOK, map[string][]faultJSON{"faults": out})
}

func (h *handler) addFault(w http.ResponseWriter, r *http.Request) {
	var req faultJSON
	if err := decodeBody(r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	rule := fault.Rule{Dialect: req.Dialect, Action: req.Action, Code: req.Code, Status: req.Status, Message: req.Message,
		Count: req.Count, Probability: req.Probability}
	if req.Delay != "" {
		d, err := time.ParseDuration(req.Delay)
		if err != nil || d <= 0 {
			h.fail(w, r, invalid("delay is a positive Go duration such as 250ms or 2s"))
			return
		}
		rule.Delay = d
	}
	if err := firstErr(checkText("code", rule.Code, maxFieldBytes), checkText("message", rule.Message, maxReasonBytes),
		checkAction(rule.Dialect, rule.Action)); err != nil {
		h.fail(w, r, err)
		return
	}
	added, err := h.ci.Faults().Add(rule)
	if err != nil {
		h.fail(w, r, invalid("%s", err.Error()))
		return
	}
	writeJSON(w, http.StatusCreated, toJSON(added))
}

// checkAction refuses a rule that could never match: an unknown dialect,
// or an action no (such) dialect's table has.
func checkAction(dialect, action string) error {
	var vs []*vocabulary.Vocabulary
	for _, v := range vocabulary.Vocabularies() {
		if dialect == "*" || v.Dialect == dialect {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return invalid("unknown dialect %q: ucloud, aliyun, baidu or *", clip(dialect))
	}
	if action == "*" {
		return nil
	}
	for _, v := range vs {
		if v.Action(action) != nil {
			return nil
		}
	}
	var names []string
	for _, v := range vs {
		for _, a := range v.Actions {
			names = append(names, strings.TrimPrefix(a.Name, v.Service+":"))
		}
	}
	slices.Sort(names)
	return invalid("no dialect %q serves an action %q; actions are named as in their tables (%s) or *", clip(dialect), clip(action), strings.Join(slices.Compact(names), ", "))
}

func (h *handler) removeFault(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || !h.ci.Faults().Remove(id) {
		writeError(w, http.StatusNotFound, "not_found", "", "no fault rule "+clip(r.PathValue("id")))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) clearFaults(w http.ResponseWriter, r *http.Request) {
	h.ci.Faults().Clear()
	w.WriteHeader(http.StatusNoContent)
}
