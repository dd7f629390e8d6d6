package handlers

import (
	"reflect"
	"time"

	"github.com/gin-gonic/gin"
)

// locationKey is where withLocation leaves the service's time zone for
// writeJSON.
const locationKey = "fieldvisit.location"

// withLocation hands the service's time zone to the renderer, so that every
// JSON answer shows its times in it.
func (s *Server) withLocation(c *gin.Context) {
	c.Set(locationKey, s.loc)
	c.Next()
}

// inServiceZone returns v with every time in it shown in the zone
// withLocation set (UTC without it): API times carry the service's offset,
// 2026-12-07T09:30:00+03:00, so that a client can show them as they are
// meant without knowing the zone. The instants do not change.
func inServiceZone(c *gin.Context, v any) any {
	loc, _ := c.Value(locationKey).(*time.Location)
	if loc == nil || v == nil {
		return v
	}
	z := zoner{loc: loc, holds: map[reflect.Type]bool{}}
	return z.copy(reflect.ValueOf(v)).Interface()
}

// zoner copies values with their times moved to loc. Documents are copied,
// never changed in place: the caller's value may be shared.
type zoner struct {
	loc *time.Location
	// holds memoises holdsTime for this one answer.
	holds map[reflect.Type]bool
}

// holdsTime reports whether a value of type t can contain a time.Time the
// encoder writes (an exported field, an element, an interface).
func (z zoner) holdsTime(t reflect.Type) bool {
	if h, ok := z.holds[t]; ok {
		return h
	}
	z.holds[t] = false // a type that refers to itself holds no more than it shows
	h := false
	switch t.Kind() {
	case reflect.Interface:
		h = true
	case reflect.Struct:
		if t == reflect.TypeFor[time.Time]() {
			h = true
			break
		}
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() && z.holdsTime(f.Type) {
				h = true
				break
			}
		}
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		h = z.holdsTime(t.Elem())
	}
	z.holds[t] = h
	return h
}

// copy returns v with its times in z.loc; parts that hold no time are
// shared with v, not copied. The zero time stays as it is.
func (z zoner) copy(v reflect.Value) reflect.Value {
	t := v.Type()
	if !z.holdsTime(t) {
		return v
	}
	switch t.Kind() {
	case reflect.Struct:
		if t == reflect.TypeFor[time.Time]() {
			if tm := v.Interface().(time.Time); !tm.IsZero() {
				return reflect.ValueOf(tm.In(z.loc))
			}
			return v
		}
		out := reflect.New(t).Elem()
		out.Set(v)
		for i := range t.NumField() {
			if f := out.Field(i); f.CanSet() {
				f.Set(z.copy(v.Field(i)))
			}
		}
		return out
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		out := reflect.New(t.Elem())
		out.Elem().Set(z.copy(v.Elem()))
		return out
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		out := reflect.New(t).Elem()
		out.Set(z.copy(v.Elem()))
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(t, v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(z.copy(v.Index(i)))
		}
		return out
	case reflect.Array:
		out := reflect.New(t).Elem()
		for i := range v.Len() {
			out.Index(i).Set(z.copy(v.Index(i)))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeMapWithSize(t, v.Len())
		for it := v.MapRange(); it.Next(); {
			out.SetMapIndex(it.Key(), z.copy(it.Value()))
		}
		return out
	}
	return v
}
