"""The exercise's event store: every fact, appended, in order."""
