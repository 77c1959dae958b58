"""Trainee access: team keys, access kits and the bastions' login records."""
