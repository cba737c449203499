package models

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ConnectionTestTimeout caps how long "Test connection" waits.
const ConnectionTestTimeout = 5 * time.Second

// ErrNoConnectionTest: Bedrock models are reached with the AI gateway's
// AWS credentials, so there is no endpoint of ours to call.
var ErrNoConnectionTest = Message("Amazon Bedrock models without an endpoint are reached through the AI gateway's AWS credentials, so there is no endpoint to test.")

// connectionTestURL is the model-list call each platform answers:
// OpenAI-compatible /v1/models (vLLM), Azure OpenAI's /openai/models.
func connectionTestURL(m *SelfHostedModel) (string, error) {
	u, err := url.Parse(m.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", errors.New("the endpoint is not a complete http(s) URL")
	}
	base := strings.TrimRight(u.Path, "/")
	switch m.Platform {
	case PlatformAzureOpenAI:
		u.Path = base + "/openai/models"
		u.RawQuery = "api-version=2024-10-21"
	default:
		// vLLM endpoints are often given with their /v1 already.
		if strings.HasSuffix(base, "/v1") {
			u.Path = base + "/models"
		} else {
			u.Path = base + "/v1/models"
		}
	}
	return u.String(), nil
}

// TestSelfHostedConnection calls the model's endpoint with its API key and
// waits at most timeout. The error is written for the admin: it names the
// URL and what went wrong, never the key.
func TestSelfHostedConnection(ctx context.Context, m *SelfHostedModel, apiKey string, timeout time.Duration) error {
	if m.Endpoint == "" {
		return ErrNoConnectionTest
	}
	target, err := connectionTestURL(m)
	if err != nil {
		return Message(err.Error())
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return Message("the endpoint is not a valid URL")
	}
	if apiKey != "" {
		if m.Platform == PlatformAzureOpenAI {
			req.Header.Set("api-key", apiKey)
		} else {
			req.Header.Set("Authorization", "Bearer "+apiKey)
		}
	}
	req.Header.Set("Accept", "application/json")
	client := &http.Client{Timeout: timeout,
		// A redirect could carry the key elsewhere; report it instead.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		return Message(fmt.Sprintf("GET %s failed: %s", target, connectionProblem(err, timeout)))
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300:
		return nil
	case res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden:
		return Message(fmt.Sprintf("GET %s answered %s: check the API key.", target, res.Status))
	case res.StatusCode >= 300 && res.StatusCode < 400:
		return Message(fmt.Sprintf("GET %s answered %s (a redirect to %s): use the final URL as the endpoint.", target, res.Status, res.Header.Get("Location")))
	}
	return Message(fmt.Sprintf("GET %s answered %s.", target, res.Status))
}

// connectionProblem shortens Go's transport errors to their cause.
func connectionProblem(err error, timeout time.Duration) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return fmt.Sprintf("no answer within %s.", timeout)
		}
		err = ue.Err
	}
	return err.Error() + "."
}
