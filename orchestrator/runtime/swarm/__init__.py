"""Ranges on a Docker Swarm: each team's range on a node of its site."""
