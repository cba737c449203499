package usersettings

import "strings"

// Browser names the browser and system of a User-Agent the way GitLab's
// Active sessions page does ("Firefox on Linux"). It knows the common
// ones; anything else is "Unknown browser".
func Browser(userAgent string) string {
	name := browserName(userAgent)
	if system := systemName(userAgent); system != "" {
		return name + " on " + system
	}
	return name
}

func browserName(ua string) string {
	// Order matters: Edge and Opera say Chrome too, Chrome says Safari.
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"},
		{"Chromium/", "Chromium"}, {"Safari/", "Safari"}, {"curl/", "curl"},
	} {
		if strings.Contains(ua, b.token) {
			return b.name
		}
	}
	return "Unknown browser"
}

func systemName(ua string) string {
	for _, s := range []struct{ token, name string }{
		{"Android", "Android"}, {"iPhone", "iOS"}, {"iPad", "iPadOS"}, {"Windows", "Windows"},
		{"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, s.token) {
			return s.name
		}
	}
	return ""
}

// deviceIcon is the icon of the session's device: a phone or a screen.
func deviceIcon(userAgent string) string {
	if strings.Contains(userAgent, "Mobile") || strings.Contains(userAgent, "Android") || strings.Contains(userAgent, "iPhone") {
		return "mobile"
	}
	return "monitor"
}
