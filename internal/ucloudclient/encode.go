package ucloudclient

import (
	"fmt"
	"reflect"
	"strconv"
)

// Parameters are given as map[string]any whose values may be strings,
// booleans, integers, floats, pointers to them, slices, structs and maps
// with string keys, nested freely. They are encoded as ucloud-sdk-go
// encodes its request structs (docs/protocols.md section 1.2):
//
//   - a nil value or nil pointer is omitted;
//   - a nil slice is sent as JSON null, and as nothing in a form;
//   - slices are 0-based in a form: AddAccounts.0=1&AddAccounts.1=2,
//     skipping nil elements without leaving a gap in the indexes;
//   - struct fields (by Go field name) and map keys nest with dots:
//     Softwares.CUDAVersion, Disks.0.Size;
//   - floats are written with strconv.FormatFloat(v, 'f', -1, 64);
//   - empty strings are omitted from a form (not from JSON).

// EncodeJSON returns the payload the SDK's JSON encoder would marshal for
// params: structs become maps, slices become []any, scalars stay Go
// values.
func EncodeJSON(params map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(params))
	for k, v := range params {
		t, keep, err := normalize(reflect.ValueOf(v))
		if err != nil {
			return nil, fmt.Errorf("parameter %s: %w", k, err)
		}
		if keep {
			out[k] = t
		}
	}
	return out, nil
}

// EncodeForm returns the form parameters the SDK's form encoder would send
// for params (without PublicKey and Signature).
func EncodeForm(params map[string]any) (map[string]string, error) {
	tree, err := EncodeJSON(params)
	if err != nil {
		return nil, err
	}
	form := make(map[string]string)
	for k, v := range tree {
		if err := flattenForm(form, k, v); err != nil {
			return nil, err
		}
	}
	return form, nil
}

// normalize turns v into a JSON-ready tree of map[string]any, []any,
// string, bool, int64, uint64 and float64. keep is false for values the
// SDK omits (nil, nil pointers).
func normalize(v reflect.Value) (out any, keep bool, err error) {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			return nil, false, nil
		}
		v = v.Elem()
	}
	if !v.IsValid() {
		return nil, false, nil
	}
	switch v.Kind() {
	case reflect.String:
		return v.String(), true, nil
	case reflect.Bool:
		return v.Bool(), true, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int(), true, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return v.Uint(), true, nil
	case reflect.Float32, reflect.Float64:
		return v.Float(), true, nil
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return []any(nil), true, nil
		}
		items := []any{}
		for i := 0; i < v.Len(); i++ {
			t, keep, err := normalize(v.Index(i))
			if err != nil {
				return nil, false, err
			}
			if keep {
				items = append(items, t)
			}
		}
		return items, true, nil
	case reflect.Struct:
		m := map[string]any{}
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			t, keep, err := normalize(v.Field(i))
			if err != nil {
				return nil, false, fmt.Errorf("%s: %w", f.Name, err)
			}
			if keep {
				m[f.Name] = t
			}
		}
		return m, true, nil
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return nil, false, fmt.Errorf("map keys must be strings, got %s", v.Type().Key())
		}
		m := map[string]any{}
		iter := v.MapRange()
		for iter.Next() {
			t, keep, err := normalize(iter.Value())
			if err != nil {
				return nil, false, fmt.Errorf("%s: %w", iter.Key().String(), err)
			}
			if keep {
				m[iter.Key().String()] = t
			}
		}
		return m, true, nil
	}
	return nil, false, fmt.Errorf("unsupported type %s", v.Type())
}

// flattenForm writes the normalized value v under name in form style.
func flattenForm(form map[string]string, name string, v any) error {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		for i, e := range v {
			if _, nested := e.([]any); nested {
				// The SDK's form encoder cannot write a list of lists either.
				return fmt.Errorf("parameter %s: a list of lists cannot be form-encoded", name)
			}
			if err := flattenForm(form, name+"."+strconv.Itoa(i), e); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		for k, e := range v {
			if err := flattenForm(form, name+"."+k, e); err != nil {
				return err
			}
		}
		return nil
	}
	s, ok := scalarString(v)
	if !ok {
		return fmt.Errorf("parameter %s: unsupported value %T", name, v)
	}
	if s != "" {
		form[name] = s
	}
	return nil
}

// scalarString writes a scalar the way the SDK does, in forms and in
// signatures alike.
func scalarString(v any) (string, bool) {
	if v == nil {
		return "", false
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String: // also json.Number: its literal text
		return rv.String(), true
	case reflect.Bool:
		return strconv.FormatBool(rv.Bool()), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(rv.Uint(), 10), true
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(rv.Float(), 'f', -1, 64), true
	}
	return "", false
}
