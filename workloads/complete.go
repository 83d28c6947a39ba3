package workloads

// Complete makes a Spec built in code what Parse makes of a file: it
// applies the same defaults, resolves the target's address and token from
// env (MILVUS_URI, MILVUS_TOKEN, ...) where the spec leaves them empty, and
// validates the result and fixes its identity (Hash). Errors name the
// field and what is allowed.
func Complete(s *Spec, env LookupEnv) error {
	if len(s.Indexes) == 0 {
		return &Error{File: s.File, Field: "indexes", Msg: "at least one index is required (e.g. {Type: \"FLAT\"})"}
	}
	applyDefaults(s)
	if err := resolveTarget(s.File, &s.Target, env, map[string]int{}); err != nil {
		return err
	}
	if err := Validate(s); err != nil {
		return err
	}
	s.hash = identity(s) // as Parse does
	return nil
}
