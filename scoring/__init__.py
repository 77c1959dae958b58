"""rangectl scoring: service checks, the scoring model, scoreboards and reports."""
