"""Container images of the range: where their recipes live and which exist."""
