package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
)

// POST and DELETE /api/v4/add_on_purchases/:id/assignments assign or
// remove the seats of many users at once, all or nothing, with GitLab's
// bulk codes. There is no cap on the number of users (GitLab's GraphQL
// has 50); the body limit is the only bound.

type apiSeatUserRef struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
}

type apiAssignmentsResult struct {
	Users            []apiSeatUserRef `json:"users"`
	AssignedQuantity int64            `json:"assigned_quantity"`
}

type apiSeatErrorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// seatErrorMessages are what people read for each code. The UI shows
// NO_ASSIGNMENTS_FOUND as success; the API reports it, so that a script
// learns that nothing was removed.
var seatErrorMessages = map[string]string{
	models.NotEnoughSeats:        "There are not enough seats to assign the GitLab Duo add-on to all selected members.",
	models.NoSeatsAvailable:      "You have assigned all available GitLab Duo add-on seats.",
	models.InvalidUserIDPresent:  "One or more users are not eligible for a seat or do not exist.",
	models.InvalidUserMembership: "The user is not eligible for a GitLab Duo seat.",
	models.NoAssignmentsFound:    "None of the users has a GitLab Duo seat.",
	models.PurchaseNotActive:     "The GitLab Duo add-on purchase is not active.",
}

// POST /api/v4/add_on_purchases/:id/assignments
func (s *Server) postAPIAddOnPurchaseAssignments(c echo.Context) error {
	return s.apiChangeSeats(c, true)
}

// DELETE /api/v4/add_on_purchases/:id/assignments
func (s *Server) deleteAPIAddOnPurchaseAssignments(c echo.Context) error {
	return s.apiChangeSeats(c, false)
}

func (s *Server) apiChangeSeats(c echo.Context, assign bool) error {
	ctx := c.Request().Context()
	p := currentPurchase(c)
	names, ids, err := apiAssignmentParams(c)
	if err != nil {
		return err
	}
	// The users are resolved inside the change's transaction, with their
	// seats and eligibility in the same statement.
	who := models.SeatUsers{Usernames: names, IDs: ids}
	actor := models.ActorFor(viewer(c)).WithSeatReason(models.SeatReasonAPI)
	var users []models.SeatUser
	var change models.SeatChange
	if assign {
		users, change, err = s.store.BulkAssignSeatsTo(ctx, actor, p.ID, who)
	} else {
		users, change, err = s.store.BulkUnassignSeatsFrom(ctx, actor, p.ID, who)
	}
	var se *models.SeatError
	if errors.As(err, &se) {
		return apiSeatError(c, se.Code)
	}
	if err != nil {
		return err
	}
	out := apiAssignmentsResult{Users: make([]apiSeatUserRef, len(users))}
	for i, u := range users {
		out.Users[i] = apiSeatUserRef{ID: u.ID, Username: u.Username}
	}
	out.AssignedQuantity = change.Assigned
	return c.JSON(http.StatusOK, out)
}

func apiSeatError(c echo.Context, code string) error {
	return c.JSON(http.StatusUnprocessableEntity, apiSeatErrorBody{Error: code, Message: seatErrorMessages[code]})
}

// apiAssignmentParams reads exactly one of usernames and user_ids, as a
// JSON body or, as GitLab's API also accepts, form or query parameters
// (usernames[]=a&usernames[]=b): first the request is brought to one
// shape (readAssignmentParams), then checked once, with Grape's messages.
func apiAssignmentParams(c echo.Context) (names []string, ids []int64, err error) {
	usernames, userIDs, err := readAssignmentParams(c.Request())
	if err != nil {
		return nil, nil, err
	}
	if err := exactlyOne(usernames.sent, userIDs.sent); err != nil {
		return nil, nil, err
	}
	if usernames.sent {
		names, err = usernames.strings("usernames")
		if err == nil && len(names) == 0 {
			err = apiFail(http.StatusBadRequest, "usernames is empty")
		}
		return names, nil, err
	}
	ids, err = userIDs.int64s("user_ids")
	if err == nil && len(ids) == 0 {
		err = apiFail(http.StatusBadRequest, "user_ids is empty")
	}
	return nil, ids, err
}

// assignmentParam is one list parameter as sent: a JSON value, or the form
// values of key and key[] with blank ones dropped.
type assignmentParam struct {
	sent bool
	json json.RawMessage // nil for a form
	form []string
}

func (p assignmentParam) strings(name string) ([]string, error) {
	if p.json == nil {
		return p.form, nil
	}
	var out []string
	if err := json.Unmarshal(p.json, &out); err != nil {
		return nil, apiFail(http.StatusBadRequest, name+" is invalid")
	}
	return out, nil
}

func (p assignmentParam) int64s(name string) ([]int64, error) {
	var out []int64
	if p.json != nil {
		if err := json.Unmarshal(p.json, &out); err != nil {
			return nil, apiFail(http.StatusBadRequest, name+" is invalid")
		}
		return out, nil
	}
	for _, v := range p.form {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return nil, apiFail(http.StatusBadRequest, name+" is invalid")
		}
		out = append(out, n)
	}
	return out, nil
}

// readAssignmentParams brings a JSON object, or a form body plus the query
// (parsed here rather than with ParseForm, which ignores DELETE bodies),
// to the two parameters.
func readAssignmentParams(req *http.Request) (usernames, userIDs assignmentParam, err error) {
	body, err := io.ReadAll(req.Body)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return usernames, userIDs, echo.NewHTTPError(http.StatusRequestEntityTooLarge)
	}
	if err != nil {
		return usernames, userIDs, apiFail(http.StatusBadRequest, "The request body could not be read")
	}
	trimmed := bytes.TrimSpace(body)
	if strings.HasPrefix(req.Header.Get(echo.HeaderContentType), echo.MIMEApplicationJSON) || bytes.HasPrefix(trimmed, []byte("{")) {
		var params map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &params); err != nil || params == nil {
			return usernames, userIDs, apiFail(http.StatusBadRequest, "The request body must be a JSON object")
		}
		return jsonParam(params, "usernames"), jsonParam(params, "user_ids"), nil
	}
	form := req.URL.Query()
	if len(trimmed) > 0 {
		vals, err := url.ParseQuery(string(trimmed))
		if err != nil {
			return usernames, userIDs, apiFail(http.StatusBadRequest, "The request body could not be read")
		}
		for k, v := range vals {
			form[k] = append(form[k], v...)
		}
	}
	return formParam(form, "usernames"), formParam(form, "user_ids"), nil
}

// jsonParam: a key sent as null counts as not sent.
func jsonParam(params map[string]json.RawMessage, key string) assignmentParam {
	raw, ok := params[key]
	if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return assignmentParam{}
	}
	return assignmentParam{sent: true, json: raw}
}

// formParam collects key and key[] values, dropping blank ones; sent is
// true when either key was there at all.
func formParam(form map[string][]string, key string) assignmentParam {
	p := assignmentParam{form: []string{}}
	for _, k := range []string{key, key + "[]"} {
		vals, ok := form[k]
		p.sent = p.sent || ok
		for _, v := range vals {
			if v = strings.TrimSpace(v); v != "" {
				p.form = append(p.form, v)
			}
		}
	}
	return p
}

func exactlyOne(a, b bool) error {
	switch {
	case a && b:
		return apiFail(http.StatusBadRequest, "usernames, user_ids are mutually exclusive")
	case !a && !b:
		return apiFail(http.StatusBadRequest, "usernames, user_ids are missing, exactly one parameter must be provided")
	}
	return nil
}
