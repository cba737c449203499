// Package projects holds the project screens: the new project form and a
// project's page.
package projects
