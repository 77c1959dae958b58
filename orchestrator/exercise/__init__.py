"""The exercise engine: one clock, the inject timeline, checks every tick."""
