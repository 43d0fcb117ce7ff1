package model

// Deref is the value of an optional field: what p points at, or the zero
// value when p is nil (Twilio's null).
func Deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}
