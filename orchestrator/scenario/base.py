"""The base of every scenario model, and the ceilings of points and weights."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """Base of every scenario model: frozen, and unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True,
                              allow_inf_nan=False)


# Points and weights are summed and multiplied as floats in scoring: each has
# a ceiling far above any real exercise and far below a float's range.
MAX_POINTS = 1_000_000
MAX_WEIGHT = 1000.0
