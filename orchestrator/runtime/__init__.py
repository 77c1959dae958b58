"""Runtime backends: turn a plan into running networks and hosts, and back."""
