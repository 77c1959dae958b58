"""The after-action report: one document, written as JSON, Markdown or HTML."""
