package modelresource

// manyToMany is a many-to-many field through a join table (Meta.ManyToMany).
type manyToMany struct {
	name string
}
