"""The Textual TUI. Talks to the backend only through tui_app.client."""
