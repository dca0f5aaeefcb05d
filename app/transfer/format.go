// Package transfer moves a whole imageshare deployment between stores:
// Export writes every row of a SQLite or PostgreSQL store as a stream of
// JSON lines, and Import loads such a stream into an empty store of either
// kind, in one transaction.
//
// The format, version 1, is one JSON value per line:
//
//	{"format":"imageshare-export","version":1,"source":"sqlite","exported_at":"2024-05-06T07:08:09.123456789Z"}
//	{"table":"accounts","columns":["id","name","organization_id","created_at"]}
//	[1,"alice@example.com",1,1714979289123456789]
//	...                                   (a header, then the table's rows)
//	{"end":true,"rows":{"accounts":1,...}}
//
// Tables come in an order in which every row's references precede it. A
// row is an array of values in the header's column order: integers and
// floats as JSON numbers (a float always has a '.' or an exponent), text
// as JSON strings, booleans as true/false, NULL as null, and bytes, or
// text that is not valid UTF-8, as {"base64":"..."}. Import converts each
// value to its target column's type (SQLite keeps booleans as 0/1) and
// refuses any value it cannot convert exactly, so that nothing is lost
// quietly. The trailer's counts let Import detect a truncated stream.
//
// Only the tables and columns that hold data are exported. What a store
// derives from them (SQLite's FTS search tables, PostgreSQL's search keys,
// migration records) is left out and derived again by the target.
package transfer

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// FormatName and FormatVersion identify the stream.
const (
	FormatName    = "imageshare-export"
	FormatVersion = 1
)

// table is one exported table: its name and the key that orders its rows.
type table struct {
	name string
	key  []string
}

// tables are the data tables, each after the tables it references.
var tables = []table{
	{"regions", []string{"name"}},
	{"accounts", []string{"id"}},
	{"ram_users", []string{"id"}},
	{"access_keys", []string{"public_key"}},
	{"instances", []string{"id"}},
	{"images", []string{"id"}},
	{"image_tags", []string{"image_id", "position"}},
	{"image_key_tags", []string{"image_id", "tag_key"}},
	{"shares", []string{"image_id", "account_id"}},
	{"nonces", []string{"nonce"}},
	{"idempotency_keys", []string{"account_id", "scope", "token"}},
	{"ram_groups", []string{"id"}},
	{"ram_group_members", []string{"group_id", "user_id"}},
	{"ram_policies", []string{"id"}},
	{"ram_user_policies", []string{"user_id", "policy_id"}},
	{"ram_group_policies", []string{"group_id", "policy_id"}},
	{"ram_version", []string{"id"}},
}

func knownTable(name string) bool {
	for _, t := range tables {
		if t.name == name {
			return true
		}
	}
	return false
}

// header is the first line.
type header struct {
	Format     string `json:"format"`
	Version    int    `json:"version"`
	Source     string `json:"source"`
	ExportedAt string `json:"exported_at"`
}

// tableHeader starts a table's rows; trailer ends the stream. Both are
// objects, told apart by their fields.
type marker struct {
	Table   string         `json:"table,omitempty"`
	Columns []string       `json:"columns,omitempty"`
	End     bool           `json:"end,omitempty"`
	Rows    map[string]int `json:"rows,omitempty"`
}

// Stats counts the rows moved, by table.
type Stats map[string]int

// Total is the number of rows in every table.
func (s Stats) Total() int {
	n := 0
	for _, c := range s {
		n += c
	}
	return n
}

// colType is the type of a column as the importer converts to it.
type colType int

const (
	typeInt colType = iota
	typeFloat
	typeText
	typeBool
	typeBytes
)

type column struct {
	name string
	typ  colType
}

// encodeValue renders one value read from a store as JSON.
func encodeValue(v any) (json.RawMessage, error) {
	switch x := v.(type) {
	case nil:
		return json.RawMessage("null"), nil
	case int64:
		return json.RawMessage(strconv.FormatInt(x, 10)), nil
	case int32:
		return json.RawMessage(strconv.FormatInt(int64(x), 10)), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("float %v has no exact JSON form", x)
		}
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(s, ".e") {
			s += ".0"
		}
		return json.RawMessage(s), nil
	case bool:
		if x {
			return json.RawMessage("true"), nil
		}
		return json.RawMessage("false"), nil
	case string:
		if !utf8.ValidString(x) {
			return encodeBytes([]byte(x))
		}
		return json.Marshal(x)
	case []byte:
		return encodeBytes(x)
	}
	return nil, fmt.Errorf("unexpected value %T", v)
}

func encodeBytes(b []byte) (json.RawMessage, error) {
	return json.Marshal(map[string]string{"base64": base64.StdEncoding.EncodeToString(b)})
}

// decodeValue converts one JSON value to what a column of type typ takes.
// It refuses conversions that would change the value.
func decodeValue(raw json.RawMessage, typ colType) (any, error) {
	s := strings.TrimSpace(string(raw))
	switch {
	case s == "null":
		return nil, nil
	case s == "true" || s == "false":
		b := s == "true"
		switch typ {
		case typeBool:
			return b, nil
		case typeInt: // SQLite's booleans
			if b {
				return int64(1), nil
			}
			return int64(0), nil
		}
		return nil, fmt.Errorf("boolean %s for a column of type %s", s, typ)
	case strings.HasPrefix(s, `"`):
		var str string
		if err := json.Unmarshal(raw, &str); err != nil {
			return nil, err
		}
		switch typ {
		case typeText:
			return str, nil
		case typeBytes:
			return []byte(str), nil
		}
		return nil, fmt.Errorf("string for a column of type %s", typ)
	case strings.HasPrefix(s, "{"):
		var obj struct {
			Base64 *string `json:"base64"`
		}
		if err := json.Unmarshal(raw, &obj); err != nil || obj.Base64 == nil {
			return nil, fmt.Errorf("unknown value %s", s)
		}
		b, err := base64.StdEncoding.DecodeString(*obj.Base64)
		if err != nil {
			return nil, err
		}
		switch typ {
		case typeText:
			return string(b), nil
		case typeBytes:
			return b, nil
		}
		return nil, fmt.Errorf("bytes for a column of type %s", typ)
	}
	// A number.
	switch typ {
	case typeInt:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s is not an integer", s)
		}
		return n, nil
	case typeBool: // a SQLite boolean going to PostgreSQL
		switch s {
		case "0":
			return false, nil
		case "1":
			return true, nil
		}
		return nil, fmt.Errorf("%s is not a boolean", s)
	case typeFloat:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("%s is not a number", s)
		}
		return f, nil
	}
	return nil, fmt.Errorf("number %s for a column of type %s", s, typ)
}

func (t colType) String() string {
	switch t {
	case typeInt:
		return "integer"
	case typeFloat:
		return "float"
	case typeText:
		return "text"
	case typeBool:
		return "boolean"
	case typeBytes:
		return "bytes"
	}
	return "unknown"
}
