// Command duoadmin serves the web app and runs its maintenance commands.
package main
