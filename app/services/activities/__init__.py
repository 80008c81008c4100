"""Activities and what hangs on them: mail, letters, calendar, files."""
