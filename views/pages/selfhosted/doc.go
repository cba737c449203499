// Package selfhosted holds the self-hosted models screens: the list and the
// model form.
package selfhosted
