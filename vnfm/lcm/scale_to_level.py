"""SCALE_TO_LEVEL: scale the VNF to an instantiation level or to given scale levels
(SOL003 5.4.6).

The target is absolute: ``instantiationLevelId`` sets every VDU to the count the level
gives (VDUs no aspect scales included) and every aspect to the level's scale level;
``scaleInfo`` sets the aspects it names and leaves the others where they are.  The
ESC side, the rollback rules and the effects on completion are those of SCALE
(:mod:`vnfm.lcm.scale`).  A target equal to the current size completes without
asking ESC anything, since ESC refuses an update that changes nothing.
"""

from __future__ import annotations

from typing import Any

from vnfm.api.problems import Unprocessable
from vnfm.domain.instance import InstantiationState
from vnfm.lcm.operations import OperationSpec, TaskRequest, register
from vnfm.lcm.scale import (
    ScaleService,
    current_flavour_and_plan,
    finish,
    scale_context,
    scaled_plan,
)
from vnfm.vnfd import rules
from vnfm.vnfd.model import DeploymentFlavour

OPERATION = "SCALE_TO_LEVEL"
REQUIRED_STATE = InstantiationState.INSTANTIATED


def prepare(task: TaskRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    """Work out the target size; 422 for a level, aspect or scale level the VNFD lacks."""
    flavour, plan = current_flavour_and_plan(task)
    request = task.body
    level_id = request.get("instantiationLevelId")
    scale_info = request.get("scaleInfo")
    if (level_id is None) == (scale_info is None):
        raise Unprocessable("give either instantiationLevelId or scaleInfo, not both")
    if level_id is not None:
        new_plan = level_plan(flavour, plan, level_id)
    else:
        levels = target_levels(flavour, plan, scale_info)
        new_plan = scaled_plan(flavour, plan, levels)
    return request, scale_context(task, plan, new_plan)


def level_plan(flavour: DeploymentFlavour, plan: dict[str, Any], level_id: str) -> dict[str, Any]:
    problem = rules.instantiation_level_problem(flavour, level_id)
    if problem:
        raise Unprocessable(problem)
    by_level = rules.scale_levels_for_level(flavour, level_id)
    return {
        **plan,
        "vduCounts": rules.instances_for_level(flavour, level_id),
        "scaleLevels": {a: int(by_level.get(a, 0)) for a in flavour.scaling_aspects},
        "instantiationLevelId": level_id,
    }


def target_levels(
    flavour: DeploymentFlavour, plan: dict[str, Any], scale_info: list[dict[str, Any]]
) -> dict[str, int]:
    """The current scale levels with those ``scaleInfo`` names replaced, each checked."""
    levels = {a: int(plan["scaleLevels"].get(a, 0)) for a in flavour.scaling_aspects}
    seen: set[str] = set()
    for item in scale_info:
        aspect_id, level = item["aspectId"], int(item["scaleLevel"])
        vnfd_id = item.get("vnfdId")
        if vnfd_id is not None and vnfd_id != plan["vnfdId"]:
            raise Unprocessable(
                f"scaleInfo for aspect {aspect_id!r} names VNFD {vnfd_id}, but this instance "
                f"runs VNFD {plan['vnfdId']}"
            )
        if aspect_id in seen:
            raise Unprocessable(f"scaleInfo names aspect {aspect_id!r} more than once")
        seen.add(aspect_id)
        aspect = flavour.scaling_aspects.get(aspect_id)
        if aspect is None:
            known = ", ".join(flavour.scaling_aspects) or "none"
            raise Unprocessable(
                f"scaling aspect {aspect_id!r} is not defined in flavour "
                f"{flavour.flavour_id!r} (aspects: {known})"
            )
        if not 0 <= level <= aspect.max_scale_level:
            raise Unprocessable(
                f"scale level {level} of aspect {aspect_id!r} is outside "
                f"[0, {aspect.max_scale_level}]"
            )
        levels[aspect_id] = level
    return levels


register(OperationSpec(operation=OPERATION, steps=(ScaleService(),), finish=finish))
