// Package confirm is the confirmation page a destructive form shows
// before it changes anything: what will happen, Cancel on the left (back
// to the form's page as it was) and a button that names the action. A
// page, not a modal, so it works without JavaScript.
package confirm

// Field is one value the confirmed form posts again.
type Field struct {
	Name  string
	Value string
}

type Props struct {
	Title string
	// Message is the question; Details are sentences under it (what else
	// the action costs), Items a list they introduce.
	Message string
	Details []string
	Items   []string
	Action  string
	Fields  []Field
	Cancel  string
	Submit  string
	// Blocked: the action cannot be done yet (Details say why); the
	// button stays, disabled.
	Blocked bool
}
