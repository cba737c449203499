// Package projects holds a project's page and the new project form.
package projects
