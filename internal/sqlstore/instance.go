package sqlstore

import (
	"strings"
	"time"

	"github.com/imageshare/imageshare"
)

// InstanceColumns are the instances columns ScanInstance reads and
// InstanceValues gives, in order.
const InstanceColumns = `id, owner_id, region, gpu_type, created_at, zone, name, image_id, instance_type, cpu, memory_mb, gpu_count, status, transition_done_at, os_name, os_type, platform, architecture`

// InstanceColumnCount is the number of InstanceColumns.
const InstanceColumnCount = 18

// InstanceInsert inserts one instance ("?" placeholders; Rebind for PostgreSQL).
var InstanceInsert = `INSERT INTO instances (` + InstanceColumns + `) VALUES (` + Placeholders(Question, 1, InstanceColumnCount) + `)`

// ScanInstance reads an instance selected with InstanceColumns.
func ScanInstance(row Row) (*imageshare.Instance, error) {
	var in imageshare.Instance
	var created, due int64
	var status string
	if err := row.Scan(&in.ID, &in.OwnerID, &in.Region, &in.GPUType, &created, &in.Zone, &in.Name, &in.ImageID,
		&in.InstanceType, &in.CPU, &in.MemoryMB, &in.GPUCount, &status, &due, &in.OSName, &in.OSType, &in.Platform, &in.Architecture); err != nil {
		return nil, err
	}
	in.CreatedAt, in.TransitionDoneAt, in.Status = FromNanos(created), FromNanos(due), imageshare.InstanceStatus(status)
	return &in, nil
}

// InstanceValues returns in's values for InstanceColumns. An instance
// without a status (seeded, admin-made) is Running.
func InstanceValues(in *imageshare.Instance) []any {
	status := in.Status
	if status == "" {
		status = imageshare.InstanceRunning
	}
	return []any{in.ID, in.OwnerID, in.Region, in.GPUType, Nanos(in.CreatedAt), in.Zone, in.Name, in.ImageID,
		in.InstanceType, in.CPU, in.MemoryMB, in.GPUCount, string(status), Nanos(in.TransitionDoneAt), in.OSName, in.OSType, in.Platform, in.Architecture}
}

// InstanceCountQuery counts an owner's instances (one "?": the owner).
const InstanceCountQuery = `SELECT COUNT(*) FROM instances WHERE owner_id = ?`

// InstanceQuotaExceeded says a launch would take the owner past max instances.
func InstanceQuotaExceeded(have, adding, max int) *imageshare.Error {
	return imageshare.Errorf(imageshare.KindLimitExceeded, imageshare.ReasonAccountQuota,
		"the account has %d instances; %d more would exceed its quota of %d", have, adding, max)
}

// InstanceWhere builds the WHERE of FindInstances with "?" placeholders.
func InstanceWhere(f imageshare.InstanceFilter) (string, []any) {
	args := NewArgs(Question)
	var w Where
	w.And(`owner_id = ` + args.Add(f.OwnerID))
	if f.Region != "" {
		w.And(`region = ` + args.Add(f.Region))
	}
	if len(f.IDs) > 0 {
		marks := make([]string, len(f.IDs))
		for i, id := range f.IDs {
			marks[i] = args.Add(id)
		}
		w.And(`id IN (` + strings.Join(marks, ", ") + `)`)
	}
	if f.ImageID != "" {
		w.And(`image_id = ` + args.Add(f.ImageID))
	}
	if len(f.Statuses) > 0 {
		marks := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			marks[i] = args.Add(string(st))
		}
		w.And(`status IN (` + strings.Join(marks, ", ") + `)`)
	}
	if f.Name != "" {
		w.And(`name = ` + args.Add(f.Name))
	}
	if f.Zone != "" {
		w.And(`zone = ` + args.Add(f.Zone))
	}
	return w.String(), args.Values
}

// InstanceOrder orders FindInstances' rows.
const InstanceOrder = ` ORDER BY created_at, id`

// InstanceUpdateQuery builds the UPDATE of u ("?" placeholders), conditional
// on the owner and, when u.From is given, the status. ok is false when u
// changes nothing.
func InstanceUpdateQuery(u imageshare.InstanceUpdate) (query string, values []any, ok bool) {
	args := NewArgs(Question)
	sets := NewSets(args)
	if u.Status != nil {
		sets.Set("status", string(*u.Status))
	}
	if u.TransitionDoneAt != nil {
		sets.Set("transition_done_at", Nanos(*u.TransitionDoneAt))
	}
	if im := u.Image; im != nil {
		sets.Set("image_id", im.ID)
		sets.Set("os_name", im.OSName)
		sets.Set("os_type", im.OSType)
		sets.Set("platform", im.Platform)
		sets.Set("architecture", im.Architecture)
	}
	if len(sets.list) == 0 {
		return "", nil, false
	}
	q := `UPDATE instances SET ` + strings.Join(sets.list, ", ") + ` WHERE id = ` + args.Add(u.ID) + ` AND owner_id = ` + args.Add(u.OwnerID)
	if len(u.From) > 0 {
		marks := make([]string, len(u.From))
		for i, st := range u.From {
			marks[i] = args.Add(string(st))
		}
		q += ` AND status IN (` + strings.Join(marks, ", ") + `)`
	}
	return q, args.Values, true
}

// InstanceState says the instance's status forbids the change.
func InstanceState(id string, status imageshare.InstanceStatus) *imageshare.Error {
	return imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonInstanceState, "instance %q is %s", id, status)
}

// DueTransitionsQuery selects up to "?" ids of instances whose transition
// is due at "?" (the first argument), oldest due first.
const DueTransitionsQuery = `SELECT id, status FROM instances WHERE status IN ('Pending', 'Starting', 'Stopping') AND transition_done_at <= ? ORDER BY transition_done_at, id LIMIT ?`

// FinishTransitionQuery settles one instance if its status is still the
// one read: arguments are the settled status, the id and the read status.
const FinishTransitionQuery = `UPDATE instances SET status = ?, transition_done_at = 0 WHERE id = ? AND status = ?`

// DueAt is the stored form of a due time for DueTransitionsQuery.
func DueAt(now time.Time) int64 { return Nanos(now) }

// ImageInUse says an instance runs the image, so a delete without force is refused.
func ImageInUse(id string) *imageshare.Error {
	return imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonImageInUse, "image %q is used by an instance", id)
}

// InstanceFindQuery selects a page of FindInstances' rows matching where
// (from InstanceWhere); page is the store's own LIMIT/OFFSET clause.
func InstanceFindQuery(where, page string) string {
	return `SELECT ` + InstanceColumns + ` FROM instances` + where + InstanceOrder + page
}

// InstanceCountWhereQuery counts the instances matching where (from InstanceWhere).
func InstanceCountWhereQuery(where string) string {
	return `SELECT count(*) FROM instances` + where
}

// OwnedInstanceQuery selects one instance of an owner (arguments: id,
// owner); PostgreSQL appends its row lock.
const OwnedInstanceQuery = `SELECT ` + InstanceColumns + ` FROM instances WHERE id = ? AND owner_id = ?`

// InstanceByIDQuery selects one instance (argument: id).
const InstanceByIDQuery = `SELECT ` + InstanceColumns + ` FROM instances WHERE id = ?`

// InstanceDeleteQuery deletes one instance of an owner (arguments: id, owner).
const InstanceDeleteQuery = `DELETE FROM instances WHERE id = ? AND owner_id = ?`

// ScanInstances reads every row of rows (selected with InstanceColumns),
// appending to out; the store that opened rows closes it.
func ScanInstances(rows Rows, out []*imageshare.Instance) ([]*imageshare.Instance, error) {
	for rows.Next() {
		in, err := ScanInstance(rows)
		if err != nil {
			return out, err
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// DueTransition is one row of DueTransitionsQuery: an instance and the
// status it was read in.
type DueTransition struct {
	ID     string
	Status string
}

// Finish returns FinishTransitionQuery's arguments for d.
func (d DueTransition) Finish() []any {
	return []any{string(imageshare.InstanceStatus(d.Status).Settled()), d.ID, d.Status}
}

// ScanDueTransitions reads every row of a DueTransitionsQuery; the store
// that opened rows closes it.
func ScanDueTransitions(rows Rows) ([]DueTransition, error) {
	var list []DueTransition
	for rows.Next() {
		var d DueTransition
		if err := rows.Scan(&d.ID, &d.Status); err != nil {
			return nil, err
		}
		list = append(list, d)
	}
	return list, rows.Err()
}
