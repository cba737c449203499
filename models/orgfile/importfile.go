package orgfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"

	"duoadmin/models"
)

// Document is an organisation in the import/export format. Every section is
// optional. A later section is a new field here, an entry in importSections
// (import.go) with its validate and apply functions, the names it refers to
// in loadReferenced, and its rows in Export.
type Document struct {
	Instance   *InstanceDoc   `json:"instance,omitempty"`
	Users      []UserDoc      `json:"users,omitempty"`
	Groups     []GroupDoc     `json:"groups,omitempty"`
	Projects   []ProjectDoc   `json:"projects,omitempty"`
	Members    []MemberDoc    `json:"members,omitempty"`
	GroupLinks []GroupLinkDoc `json:"group_links,omitempty"`
	// Subscriptions, purchases and seats (import_seats.go).
	Subscriptions  []SubscriptionDoc `json:"subscriptions,omitempty"`
	AddOnPurchases []PurchaseDoc     `json:"add_on_purchases,omitempty"`
	Assignments    []AssignmentDoc   `json:"assignments,omitempty"`
	// GitLab Duo Self-Hosted (import_ai.go). API keys are never in a file.
	SelfHostedModels  []SelfHostedModelDoc  `json:"self_hosted_models,omitempty"`
	AIFeatureSettings []AIFeatureSettingDoc `json:"ai_feature_settings,omitempty"`
}

// In the document types an absent optional field (nil pointer, empty
// string, unset Nullable) keeps what the database has, or takes the
// default when the row is new, so a short hand-written file does not reset
// what the application tracks.

type InstanceDoc struct {
	Plan            models.Plan         `json:"plan,omitempty"`
	DuoAvailability models.Availability `json:"duo_availability,omitempty"`
	DuoCoreEnabled  *bool               `json:"duo_core_enabled,omitempty"`
	// The rest of the GitLab Duo configuration (instance_ai_settings.go).
	ExperimentFeaturesEnabled    *bool                       `json:"experiment_features_enabled,omitempty"`
	DuoChatExpirationDays        *int                        `json:"duo_chat_expiration_days,omitempty"`
	DuoChatExpirationColumn      models.ChatExpirationColumn `json:"duo_chat_expiration_column,omitempty"`
	DirectCodeSuggestionsEnabled *bool                       `json:"direct_code_suggestions_enabled,omitempty"`
	BetaSelfHostedModelsEnabled  *bool                       `json:"beta_self_hosted_models_enabled,omitempty"`
	AILogsEnabled                *bool                       `json:"ai_logs_enabled,omitempty"`
	AIGatewayURL                 *string                     `json:"ai_gateway_url,omitempty"`
	ModelPromptCacheEnabled      *bool                       `json:"model_prompt_cache_enabled,omitempty"`
}

type UserDoc struct {
	Username    string `json:"username"`
	Name        string `json:"name"`
	Email       string `json:"email"`
	PublicEmail *bool  `json:"public_email,omitempty"`
	// Password is only ever read: export never writes it.
	Password          string           `json:"password,omitempty"`
	State             models.UserState `json:"state,omitempty"`
	Bot               *bool            `json:"bot,omitempty"`
	Admin             *bool            `json:"admin,omitempty"`
	Auditor           *bool            `json:"auditor,omitempty"`
	LastActivityOn    Nullable[string] `json:"last_activity_on,omitzero"`
	LastDuoActivityOn Nullable[string] `json:"last_duo_activity_on,omitzero"`
	// LastCodeSuggestionsUsageAt is an RFC 3339 timestamp.
	LastCodeSuggestionsUsageAt Nullable[string] `json:"last_code_suggestions_usage_at,omitzero"`
}

// GroupDoc is a group by full path; its parent is everything before the last '/'.
type GroupDoc struct {
	Path string      `json:"path"`
	Name string      `json:"name"`
	Plan models.Plan `json:"plan,omitempty"`
	// DuoAvailability is the group's own setting; absent means it inherits.
	DuoAvailability models.Availability `json:"duo_availability,omitempty"`
	// DuoCoreEnabled is only for top-level groups (GitLab.com).
	DuoCoreEnabled *bool `json:"duo_core_enabled,omitempty"`
}

type ProjectDoc struct {
	Path               string `json:"path"`
	Name               string `json:"name"`
	DuoFeaturesEnabled *bool  `json:"duo_features_enabled,omitempty"`
}

// MemberDoc: Source is the full path of a group or a project.
type MemberDoc struct {
	User        string `json:"user"`
	Source      string `json:"source"`
	AccessLevel string `json:"access_level"`
	Pending     *bool  `json:"pending,omitempty"`
}

// GroupLinkDoc shares SharedGroup or SharedProject (exactly one) with the
// members of WithGroup.
type GroupLinkDoc struct {
	SharedGroup   string `json:"shared_group,omitempty"`
	SharedProject string `json:"shared_project,omitempty"`
	WithGroup     string `json:"with_group"`
	AccessLevel   string `json:"access_level"`
}

// SubscriptionDoc is a plan subscription by name; Namespace is its
// top-level group (GitLab.com) or null for the instance's (self-managed).
type SubscriptionDoc struct {
	Name      string      `json:"name"`
	Namespace *string     `json:"namespace"`
	Plan      models.Plan `json:"plan"`
	Seats     int         `json:"seats"`
	StartsOn  string      `json:"starts_on"`
	EndsOn    string      `json:"ends_on"`
}

// PurchaseDoc is an add-on purchase, one per (add_on, namespace): a
// namespace makes it a GitLab.com purchase of that top-level group, null
// the instance's.
type PurchaseDoc struct {
	Namespace   *string          `json:"namespace"`
	AddOn       models.AddOn     `json:"add_on"`
	Quantity    int              `json:"quantity"`
	StartedAt   Nullable[string] `json:"started_at,omitzero"`
	ExpiresOn   string           `json:"expires_on"`
	Trial       *bool            `json:"trial,omitempty"`
	PurchaseXID string           `json:"purchase_xid,omitempty"`
}

// AssignmentDoc is a user's seat of the purchase (add_on, namespace).
// AssignedAt is an RFC 3339 timestamp; absent means now.
type AssignmentDoc struct {
	User       string       `json:"user"`
	AddOn      models.AddOn `json:"add_on"`
	Namespace  *string      `json:"namespace"`
	AssignedAt string       `json:"assigned_at,omitempty"`
}

// Nullable tells an absent field (Set false: keep) from null (Set true,
// Value nil: clear) and from a value.
type Nullable[T any] struct {
	Set   bool
	Value *T
}

func NullableOf[T any](v *T) Nullable[T] { return Nullable[T]{Set: true, Value: v} }

func (n *Nullable[T]) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.Value = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	n.Value = &v
	return nil
}

func (n Nullable[T]) MarshalJSON() ([]byte, error) {
	if n.Value == nil {
		return []byte("null"), nil
	}
	return json.Marshal(*n.Value)
}

func (n Nullable[T]) IsZero() bool { return !n.Set }

func (Nullable[T]) valueType() reflect.Type { return reflect.TypeFor[T]() }

// ImportProblem is one thing wrong with a file, at a JSON path such as users[3].email.
type ImportProblem struct {
	Path    string
	Message string
}

// ImportErrors is every problem found in a file; nothing was written.
type ImportErrors struct {
	File     string
	Problems []ImportProblem
}

func (e *ImportErrors) add(path, format string, args ...any) {
	e.Problems = append(e.Problems, ImportProblem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// Lines are "FILE: users[3].email: not a valid address", one per problem.
func (e *ImportErrors) Lines() []string {
	out := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		if p.Path == "" {
			out[i] = e.File + ": " + p.Message
		} else {
			out[i] = e.File + ": " + p.Path + ": " + p.Message
		}
	}
	return out
}

func (e *ImportErrors) Error() string { return strings.Join(e.Lines(), "\n") }

func (e *ImportErrors) orNil() error {
	if len(e.Problems) == 0 {
		return nil
	}
	return e
}

// ParseDocument reads a document. Problems with its shape (bad JSON, an
// unknown field, a string where a number belongs) come back all at once as
// *ImportErrors; file names the input in the messages.
func ParseDocument(file string, r io.Reader) (*Document, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	errs := &ImportErrors{File: file}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		pos := ""
		if !errors.Is(err, io.EOF) {
			pos = syntaxPosition(data, int64(len(data)), err)
		}
		errs.add(pos, "%s", syntaxMessage(err))
		return nil, errs
	}
	if _, err := dec.Token(); err != io.EOF {
		errs.add(syntaxPosition(data, dec.InputOffset(), nil), "unexpected data after the document")
		return nil, errs
	}
	checkShape(reflect.TypeFor[Document](), raw, "", errs)
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	var doc Document
	strict := json.NewDecoder(bytes.NewReader(data))
	strict.DisallowUnknownFields()
	if err := strict.Decode(&doc); err != nil {
		// checkShape should have caught it; say something rather than nothing.
		errs.add("", "%v", err)
		return nil, errs
	}
	return &doc, nil
}

func syntaxMessage(err error) string {
	switch {
	case errors.Is(err, io.EOF):
		return "empty file: expected a JSON object"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected end of file: the JSON is incomplete"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// syntaxPosition names the line and column of the byte before offset: the
// last one the decoder read.
func syntaxPosition(data []byte, offset int64, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		offset = se.Offset
	}
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n') - 1
	return fmt.Sprintf("line %d, column %d", line, col)
}

type nullableField interface{ valueType() reflect.Type }

// checkShape compares a decoded JSON value with the Go type it will be
// decoded into and reports every mismatch with its path. null is accepted
// wherever a field is (it means "absent"), but not as an array element.
func checkShape(t reflect.Type, v any, path string, errs *ImportErrors) {
	if v == nil {
		return
	}
	if n, ok := reflect.Zero(t).Interface().(nullableField); ok {
		checkShape(n.valueType(), v, path, errs)
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		checkShape(t.Elem(), v, path, errs)
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			errs.add(path, "must be an object")
			return
		}
		fields, names := jsonFields(t)
		for _, key := range slices.Sorted(maps.Keys(obj)) {
			sub := joinPath(path, key)
			f, ok := fields[key]
			if !ok {
				errs.add(sub, "unknown field (expected one of: %s)", strings.Join(names, ", "))
				continue
			}
			checkShape(f.Type, obj[key], sub, errs)
		}
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			errs.add(path, "must be an array")
			return
		}
		for i, el := range arr {
			sub := fmt.Sprintf("%s[%d]", path, i)
			if el == nil {
				errs.add(sub, "must not be null")
				continue
			}
			checkShape(t.Elem(), el, sub, errs)
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			errs.add(path, "must be a string")
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			errs.add(path, "must be true or false")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(json.Number)
		if _, err := n.Int64(); !ok || err != nil {
			errs.add(path, "must be a whole number")
		}
	case reflect.Float32, reflect.Float64:
		if _, ok := v.(json.Number); !ok {
			errs.add(path, "must be a number")
		}
	}
}

func jsonFields(t reflect.Type) (map[string]reflect.StructField, []string) {
	fields := map[string]reflect.StructField{}
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = f
		names = append(names, name)
	}
	return fields, names
}

func joinPath(path, key string) string {
	// An empty key would otherwise vanish from the path and leave the
	// problem pointing nowhere.
	if key == "" {
		return path + `[""]`
	}
	if path == "" {
		return key
	}
	return path + "." + key
}
