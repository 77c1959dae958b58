"""The local Docker backend: internal bridge networks and containers, by label."""
