package worker

// Dummies returns the workers that seeding inserts. Only Name, Email and Role are set: the
// database assigns ID and CreatedAt. Each email is unique, because seeding relies on a unique
// email to insert nothing the second time it runs.
//
// It returns a new slice on every call, so no caller can change what the next one sees.
func Dummies() []Worker {
	return []Worker{
		{Name: "Ada Lovelace", Email: "ada.lovelace@example.com", Role: "engineer"},
		{Name: "Grace Hopper", Email: "grace.hopper@example.com", Role: "manager"},
		{Name: "Alan Turing", Email: "alan.turing@example.com", Role: "analyst"},
		{Name: "Margaret Hamilton", Email: "margaret.hamilton@example.com", Role: "engineer"},
		{Name: "Katherine Johnson", Email: "katherine.johnson@example.com", Role: "analyst"},
	}
}
