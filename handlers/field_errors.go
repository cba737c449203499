package handlers

import (
	"errors"

	"duoadmin/models"
)

// asFieldErrors is err's field errors when the Store refused the input
// (re-render the form with 422), else false.
func asFieldErrors(err error) (models.FieldErrors, bool) {
	var fe models.FieldErrors
	return fe, errors.As(err, &fe)
}
