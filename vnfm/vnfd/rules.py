"""How many instances of each VDU a flavour asks for, and which scale steps it allows.

Pure functions of a parsed ``DeploymentFlavour``: no I/O, no state.  The LCM
engine asks these questions when it instantiates, scales, or scales to a level,
and turns a problem string into a 422 ProblemDetails.

Arithmetic (SOL001): a VDU has its initial delta at scale level 0; each step of an
aspect adds, for every VDU the aspect scales, the ``number_of_instances`` of the
delta that step uses (``step_deltas[step - 1]``, or the only entry for every step).
"""

from __future__ import annotations

from collections.abc import Mapping

from vnfm.vnfd.model import DeploymentFlavour, InstantiationLevel, ScalingAspect

SCALE_OUT = "SCALE_OUT"
SCALE_IN = "SCALE_IN"


class RuleError(ValueError):
    """A question about a level or aspect the flavour does not define."""


def delta_for_step(aspect: ScalingAspect, step: int) -> str:
    """The delta id applied when moving from scale level ``step - 1`` to ``step``."""
    if not 1 <= step <= aspect.max_scale_level:
        raise RuleError(f"aspect {aspect.aspect_id!r} has no step {step}")
    if len(aspect.step_deltas) == 1:
        return aspect.step_deltas[0]
    return aspect.step_deltas[step - 1]


def instances_for_scale_levels(
    flavour: DeploymentFlavour, scale_levels: Mapping[str, int]
) -> dict[str, int]:
    """Instances of every VDU when each aspect is at the given level (absent aspects: 0)."""
    for aspect_id, level in scale_levels.items():
        aspect = _aspect(flavour, aspect_id)
        if not 0 <= level <= aspect.max_scale_level:
            raise RuleError(
                f"scale level {level} of aspect {aspect_id!r} is outside "
                f"[0, {aspect.max_scale_level}]"
            )
    counts = dict(flavour.initial_deltas)
    for aspect_id, aspect in flavour.scaling_aspects.items():
        for step in range(1, scale_levels.get(aspect_id, 0) + 1):
            delta_id = delta_for_step(aspect, step)
            for vdu_id, deltas in aspect.vdu_deltas.items():
                counts[vdu_id] += deltas[delta_id]
    return counts


def instances_for_level(flavour: DeploymentFlavour, level_id: str | None = None) -> dict[str, int]:
    """Instances of every VDU at an instantiation level.

    ``None`` means the flavour's default level, as an InstantiateVnfRequest without
    ``instantiationLevelId`` does; a flavour with no levels at all starts every VDU
    at its initial delta.
    """
    level = _level(flavour, level_id)
    return dict(flavour.initial_deltas if level is None else level.vdu_instances)


def scale_levels_for_level(
    flavour: DeploymentFlavour, level_id: str | None = None
) -> dict[str, int]:
    """The scale level of every aspect at an instantiation level (``None``: the default)."""
    level = _level(flavour, level_id)
    if level is None:
        return dict.fromkeys(flavour.scaling_aspects, 0)
    return dict(level.scale_levels)


def instantiation_level_problem(flavour: DeploymentFlavour, level_id: str | None) -> str | None:
    """Why ``level_id`` cannot be instantiated in this flavour, or ``None`` if it can."""
    try:
        _level(flavour, level_id)
    except RuleError as exc:
        return str(exc)
    return None


def scale_step_problem(
    flavour: DeploymentFlavour, aspect_id: str, current_level: int, steps: int, direction: str
) -> str | None:
    """Why scaling ``aspect_id`` by ``steps`` in ``direction`` is impossible, or ``None``.

    ``direction`` is a ScaleVnfRequest ``type``: ``SCALE_OUT`` or ``SCALE_IN``.
    Staying within the aspect's bounds is enough: the parser has checked that every
    aspect at its max_scale_level keeps every VDU within its vdu_profile.
    """
    if direction not in (SCALE_OUT, SCALE_IN):
        return f"scale type must be {SCALE_OUT} or {SCALE_IN}, got {direction!r}"
    aspect = flavour.scaling_aspects.get(aspect_id)
    if aspect is None:
        known = ", ".join(flavour.scaling_aspects) or "none"
        return (
            f"scaling aspect {aspect_id!r} is not defined in flavour "
            f"{flavour.flavour_id!r} (aspects: {known})"
        )
    if steps < 1:
        return f"numberOfSteps must be at least 1, got {steps}"
    if not 0 <= current_level <= aspect.max_scale_level:
        return (
            f"current scale level {current_level} of aspect {aspect_id!r} is outside "
            f"[0, {aspect.max_scale_level}]"
        )
    target = current_level + steps if direction == SCALE_OUT else current_level - steps
    if target > aspect.max_scale_level:
        return (
            f"scaling out aspect {aspect_id!r} by {steps} step(s) from level {current_level} "
            f"would reach {target}, above its max_scale_level {aspect.max_scale_level}"
        )
    if target < 0:
        return (
            f"scaling in aspect {aspect_id!r} by {steps} step(s) from level {current_level} "
            f"would reach {target}, below scale level 0"
        )
    return None


def _aspect(flavour: DeploymentFlavour, aspect_id: str) -> ScalingAspect:
    aspect = flavour.scaling_aspects.get(aspect_id)
    if aspect is None:
        raise RuleError(
            f"scaling aspect {aspect_id!r} is not defined in flavour {flavour.flavour_id!r}"
        )
    return aspect


def _level(flavour: DeploymentFlavour, level_id: str | None) -> InstantiationLevel | None:
    if level_id is None:
        level_id = flavour.default_level_id
        if level_id is None:
            return None
    level = flavour.instantiation_levels.get(level_id)
    if level is None:
        known = ", ".join(flavour.instantiation_levels) or "none"
        raise RuleError(
            f"instantiation level {level_id!r} is not defined in flavour "
            f"{flavour.flavour_id!r} (levels: {known})"
        )
    return level
