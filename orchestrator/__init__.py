"""rangectl's orchestrator: scenario, plan, runtime, provisioning, exercise engine, CLI."""

__version__ = "0.1.0"
