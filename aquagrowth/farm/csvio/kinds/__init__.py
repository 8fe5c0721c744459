"""One module per family of records; each kind knows its file, checks, rows and export."""
