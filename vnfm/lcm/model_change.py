"""Changing the ESC model of a running VNF: the steps that CHANGE_FLAVOUR,
CHANGE_EXT_CONN, CHANGE_VNFPKG and REVERT_TO_SNAPSHOT share.

Each of those operations works out, in its ``prepare``, the instance's next *plan*
(``ctx.data["plan"]``) beside the one it runs on (``ctx.data["previousPlan"]``).
Going from one to the other is the same three steps whatever changed:

1. :class:`UpdateModel` sends ESC the new model (a service update) and awaits
   ``SERVICE_UPDATED``.
2. :class:`ConfirmResize`: a VM group whose flavor changed is resized by ESC and the
   VIM then waits in ``VERIFY_RESIZE`` (seed 002); each such VM is confirmed
   (``VM_CONFIRM_RESIZE_INIT/COMPLETE``, then ``VM_ALIVE``).
3. :class:`Redeploy`: a new image reaches a VM only when ESC redeploys it (seed 002),
   so each VM of a group whose image changed is recovered with ``REDEPLOY_ONLY``
   (``VM_RECOVERY_INIT ... VM_RECOVERY_COMPLETE``); ESC keeps the VM's name, the VIM
   server is new.

Rollback walks back down: a VM still waiting in ``VERIFY_RESIZE`` is reverted
(``REVERT_RESIZE``); otherwise ESC gets the previous model again (and the resize
back is confirmed) and redeployed VMs are redeployed on the previous images.

``ctx.data["model"]`` says which model ESC holds ("new" once the update went
through, "old" once restored), so every step can be run again after a crash.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import replace
from typing import Any

from vnfm.api.problems import Conflict, Unprocessable
from vnfm.db.models import VnfInstanceRow
from vnfm.engine.runtime import StepContext, StepFailed, esc_failure, esc_request
from vnfm.lcm import deployment
from vnfm.lcm.modify import merge_patch
from vnfm.lcm.secrets import strip_secrets
from vnfm.southbound.adapter import SouthboundError
from vnfm.southbound.types import (
    DeploymentSpec,
    DeploymentState,
    EventType,
    RecoveryAction,
    ServiceState,
    VimVmState,
    VmAction,
    VmState,
    VmStateName,
)
from vnfm.vnfd.model import DeploymentFlavour, VduCp, Vnfd

E = EventType
ALIVE = VmStateName.VM_ALIVE_STATE


# ----------------------------------------------------------------------------- specs


def vnfd_of(ctx: StepContext, plan: dict[str, Any]) -> Vnfd:
    vnfd = ctx.catalog.get(plan["vnfdId"])
    if vnfd is None:
        raise StepFailed(f"VNFD {plan['vnfdId']} is no longer in the catalog")
    return vnfd


def new_spec(ctx: StepContext) -> DeploymentSpec:
    return deployment.deployment_spec(vnfd_of(ctx, ctx.plan), ctx.plan)


def old_spec(ctx: StepContext) -> DeploymentSpec:
    previous = ctx.data["previousPlan"]
    return deployment.deployment_spec(vnfd_of(ctx, previous), previous)


def changed_groups(old: DeploymentSpec, new: DeploymentSpec, attribute: str) -> list[str]:
    """VM groups in both models whose ``attribute`` (flavor, image ...) differs."""
    changed = []
    for group in new.vm_groups:
        before = old.vm_group(group.name)
        if before is not None and getattr(before, attribute) != getattr(group, attribute):
            changed.append(group.name)
    return changed


def modified_groups(old: DeploymentSpec, new: DeploymentSpec) -> list[str]:
    """VM groups in both models whose VMs change (anything but the VM count)."""
    changed = []
    for group in new.vm_groups:
        before = old.vm_group(group.name)
        if before is not None and replace(before, scaling=group.scaling) != group:
            changed.append(group.name)
    return changed


def _judge_updated(state: DeploymentState | None) -> bool | None:
    # An update leaves an active service active: only the event says it is done.
    if state is None or state.state is ServiceState.SERVICE_ERROR_STATE:
        return False
    return None


def _update(ctx: StepContext, spec: DeploymentSpec, label: str) -> None:
    esc_request(
        ctx,
        what=f"service {label} of {spec.name}",
        deployment=spec.name,
        send=lambda: ctx.adapter.update_service(spec),
        done_events=(E.SERVICE_UPDATED,),
        judge=_judge_updated,
    )


# ----------------------------------------------------------------------------- VM requests


def wait_vm_event(
    ctx: StepContext,
    deployment_name: str,
    vm_name: str,
    types: Collection[str],
    after: int,
    ends: Callable[[Any], bool] = lambda _event: True,
) -> Any | None:
    """The first event of ``types`` about one VM after ``after`` for which ``ends``
    holds, or None once ``esc_event_timeout`` has passed."""
    waiter = ctx.waiter
    deadline = time.monotonic() + ctx.settings.esc_event_timeout
    while True:
        ctx.interrupt_if_forceful()
        for event in waiter.events_since(deployment_name, after):
            if event.vm_name == vm_name and event.event_type in types and ends(event):
                return event
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        waiter.hub.sleep(min(waiter.poll_interval, remaining))


def vm_request(
    ctx: StepContext,
    *,
    what: str,
    deployment_name: str,
    vm_name: str,
    send: Callable[[], None],
    until: tuple[str, ...],
    watch: tuple[str, ...] = (),
    judge: Callable[[], bool | None],
) -> None:
    """Send one request about a VM and wait for the event that ends it.

    Like :func:`~vnfm.engine.runtime.esc_request`, but for VM events: the watermark
    is committed before the request leaves, so a resumed step waits instead of
    sending twice; a FAILURE of any ``until``/``watch`` event ends it as failed.
    """
    requests = ctx.data.setdefault("requests", {})
    key = f"{ctx.step_key}:{what}"
    marker = requests.get(key)
    if marker is not None and judge() is True:
        return
    if marker is None:
        marker = {"after": ctx.waiter.watermark()}
        requests[key] = marker
        ctx.checkpoint()
        try:
            send()
        except SouthboundError as exc:
            raise esc_failure(what, exc) from exc
    event = wait_vm_event(
        ctx,
        deployment_name,
        vm_name,
        (*until, *watch),
        marker["after"],
        ends=lambda e: e.status != "SUCCESS" or e.event_type in until,
    )
    if event is not None:
        if event.status != "SUCCESS":
            raise StepFailed(
                f"ESC reported {event.event_type} {event.status} for {what}: "
                f"{event.status_message or 'no message'}",
                title="ESC operation failed",
            )
        return
    if judge() is True:
        return
    raise StepFailed(
        f"no {'/'.join(until)} from ESC for {what} within {ctx.settings.esc_event_timeout:g} s",
        title="ESC operation timed out",
        status=504,
    )


def _vm(ctx: StepContext, name: str) -> VmState | None:
    state = ctx.read_deployment(ctx.plan["deployment"])
    return state.vm(name) if state is not None else None


def _vms_of(ctx: StepContext, groups: Collection[str]) -> list[VmState]:
    state = ctx.read_deployment(ctx.plan["deployment"])
    if state is None:
        raise StepFailed(f"ESC no longer knows deployment {ctx.plan['deployment']}")
    return sorted((vm for vm in state.vms if vm.vm_group in groups), key=lambda v: v.name)


def _await_verify_resize(ctx: StepContext, vm: VmState, after: int) -> None:
    """The VM_VERIFY_RESIZE that ends ESC's resize of ``vm``: until it came, ESC is
    still busy with the update and refuses a confirm or revert."""
    name = ctx.plan["deployment"]
    event = wait_vm_event(ctx, name, vm.name, (E.VM_VERIFY_RESIZE,), after)
    if event is None:
        raise StepFailed(
            f"no VM_VERIFY_RESIZE from ESC for VM {vm.name} within "
            f"{ctx.settings.esc_event_timeout:g} s",
            title="ESC operation timed out",
            status=504,
        )
    if event.status != "SUCCESS":
        raise StepFailed(
            f"ESC reported VM_VERIFY_RESIZE {event.status} for VM {vm.name}: "
            f"{event.status_message or 'no message'}",
            title="ESC operation failed",
        )


def confirm_resizes(
    ctx: StepContext, spec: DeploymentSpec, groups: Collection[str], after: int
) -> None:
    """Confirm the resize of every VM of ``groups`` to its flavor in ``spec``."""
    if not groups:
        return
    tenant = ctx.plan["tenant"]
    for vm in _vms_of(ctx, groups):
        group = spec.vm_group(vm.vm_group)
        assert group is not None
        flavor = group.flavor

        def confirmed(name: str = vm.name, flavor: str = flavor) -> bool | None:
            now = _vm(ctx, name)
            if now is None or now.state is VmStateName.VM_ERROR_STATE:
                return False
            if now.vim_state is not VimVmState.VERIFY_RESIZE and now.flavor == flavor:
                return True if now.state is ALIVE else None
            return None

        if confirmed() is True:
            continue
        _await_verify_resize(ctx, vm, after)
        vm_request(
            ctx,
            what=f"resize confirm of VM {vm.name}",
            deployment_name=ctx.plan["deployment"],
            vm_name=vm.name,
            send=lambda name=vm.name: ctx.adapter.vm_action(tenant, name, VmAction.CONFIRM_RESIZE),
            until=(E.VM_ALIVE,),
            watch=(E.VM_CONFIRM_RESIZE_INIT, E.VM_CONFIRM_RESIZE_COMPLETE),
            judge=confirmed,
        )


def redeploy_vms(ctx: StepContext, spec: DeploymentSpec, groups: Collection[str]) -> None:
    """Redeploy every VM of ``groups`` that does not run its group's image in ``spec``."""
    tenant = ctx.plan["tenant"]
    for vm in _vms_of(ctx, groups):
        group = spec.vm_group(vm.vm_group)
        assert group is not None
        image = group.image

        def redeployed(name: str = vm.name, image: str = image) -> bool | None:
            now = _vm(ctx, name)
            if now is None or now.state is VmStateName.VM_ERROR_STATE:
                return False
            return True if now.image == image and now.state is ALIVE else None

        if redeployed() is True:
            continue
        vm_request(
            ctx,
            what=f"redeploy of VM {vm.name} on image {image}",
            deployment_name=ctx.plan["deployment"],
            vm_name=vm.name,
            send=lambda name=vm.name: ctx.adapter.recover_vm(
                tenant, name, RecoveryAction.REDEPLOY_ONLY
            ),
            until=(E.VM_RECOVERY_COMPLETE,),
            watch=(E.VM_RECOVERY_INIT, E.VM_RECOVERY_UNDEPLOYED, E.VM_RECOVERY_DEPLOYED),
            judge=redeployed,
        )


# ----------------------------------------------------------------------------- rollback


def restore_model(ctx: StepContext) -> None:
    """Put the previous model back on ESC, unless ESC already holds it.

    A VM reverted with REVERT_RESIZE already took its group back to the previous
    flavor (ESC's model too), so what ESC holds is compared with the previous model
    before anything is sent: ESC refuses an update that changes nothing.
    """
    if ctx.data.get("model") != "new":
        return
    old = old_spec(ctx)
    reverted = set(ctx.data.get("revertedGroups") or [])
    held = _with_flavors(new_spec(ctx), old, reverted)
    if held != old:
        ctx.data.setdefault("restoreAfter", ctx.waiter.watermark())
        ctx.checkpoint()
        _update(ctx, old, "restore")
        confirm_resizes(ctx, old, changed_groups(held, old, "flavor"), ctx.data["restoreAfter"])
    ctx.data["model"] = "old"
    ctx.checkpoint()


def _with_flavors(
    spec: DeploymentSpec, source: DeploymentSpec, groups: Collection[str]
) -> DeploymentSpec:
    def flavor(group_name: str, current: str) -> str:
        group = source.vm_group(group_name)
        return group.flavor if group is not None and group_name in groups else current

    return replace(
        spec,
        vm_groups=tuple(replace(g, flavor=flavor(g.name, g.flavor)) for g in spec.vm_groups),
    )


# ----------------------------------------------------------------------------- steps


class UpdateModel:
    """Send ESC the new model; skipped when it is the model ESC already has."""

    name = "update-model"

    def run(self, ctx: StepContext) -> None:
        if ctx.data.get("model") == "new":
            return
        spec = new_spec(ctx)
        if spec != old_spec(ctx):
            ctx.data.setdefault("resizeAfter", ctx.waiter.watermark())
            ctx.checkpoint()
            _update(ctx, spec, "update")
        ctx.data["model"] = "new"

    def undo(self, ctx: StepContext) -> None:
        # A failed update leaves ESC on the previous model (it reports FAILURE and
        # keeps what it had), so only an update that went through is sent back.
        restore_model(ctx)


class ConfirmResize:
    """Confirm the resize of every VM whose group changed flavor."""

    name = "confirm-resize"

    def run(self, ctx: StepContext) -> None:
        spec = new_spec(ctx)
        groups = changed_groups(old_spec(ctx), spec, "flavor")
        confirm_resizes(ctx, spec, groups, ctx.data.get("resizeAfter", 0))

    def undo(self, ctx: StepContext) -> None:
        if ctx.data.get("model") != "new":
            return
        new = new_spec(ctx)
        groups = changed_groups(old_spec(ctx), new, "flavor")
        reverted = set(ctx.data.get("revertedGroups") or [])
        tenant = ctx.plan["tenant"]
        for vm in _vms_of(ctx, groups):
            if vm.vim_state is not VimVmState.VERIFY_RESIZE:
                continue  # confirmed (restore_model resizes it back) or never resized
            _await_verify_resize(ctx, vm, ctx.data.get("resizeAfter", 0))

            def reverted_vm(name: str = vm.name) -> bool | None:
                now = _vm(ctx, name)
                if now is None or now.state is VmStateName.VM_ERROR_STATE:
                    return False
                if now.vim_state is VimVmState.VERIFY_RESIZE:
                    return None
                return True if now.state is ALIVE else None

            vm_request(
                ctx,
                what=f"resize revert of VM {vm.name}",
                deployment_name=ctx.plan["deployment"],
                vm_name=vm.name,
                send=lambda name=vm.name: ctx.adapter.vm_action(
                    tenant, name, VmAction.REVERT_RESIZE
                ),
                until=(E.VM_ALIVE,),
                watch=(E.VM_REVERT_RESIZE_INIT, E.VM_REVERT_RESIZE_COMPLETE),
                judge=reverted_vm,
            )
            reverted.add(vm.vm_group)
            ctx.data["revertedGroups"] = sorted(reverted)
            ctx.checkpoint()


class Redeploy:
    """Redeploy the VMs whose group changed image, so that they boot the new one."""

    name = "redeploy"

    def run(self, ctx: StepContext) -> None:
        spec = new_spec(ctx)
        redeploy_vms(ctx, spec, changed_groups(old_spec(ctx), spec, "image"))

    def undo(self, ctx: StepContext) -> None:
        old = old_spec(ctx)
        groups = changed_groups(old, new_spec(ctx), "image")
        if not groups:
            return
        restore_model(ctx)
        redeploy_vms(ctx, old, groups)
        refresh_instance(ctx)


def refresh_instance(ctx: StepContext) -> None:
    """Record the servers a rollback redeployed on the instance (it runs the previous
    plan again, but its VNFCs got new VIM servers that the NFVO must be able to see).

    The engine applies effects in the COMPLETED transaction only, and has no hook for
    ROLLED_BACK yet, so this writes the instance in a transaction of its own; being a
    rewrite from ESC's state, it may run any number of times.
    """
    previous = ctx.data["previousPlan"]
    state = read_final_state(ctx)  # ESC is asked before the transaction, not inside it
    with ctx.waiter.sessions() as session, session.begin():
        instance = session.get(VnfInstanceRow, ctx.instance_id, with_for_update=True)
        if instance is None:
            return
        instance.instantiated_vnf_info = info_from_esc(ctx, instance, previous, state)


def info_from_esc(
    ctx: StepContext, instance: VnfInstanceRow, plan: dict[str, Any], state: DeploymentState
) -> dict[str, Any]:
    """The instance's instantiatedVnfInfo as ESC runs it under ``plan``."""
    return deployment.instantiated_vnf_info(
        vnfd_of(ctx, plan), plan, state, deployment.vnf_state_of(instance.instantiated_vnf_info)
    )


def adopt_plan(ctx: StepContext, instance: VnfInstanceRow) -> dict[str, Any]:
    """On COMPLETED: the instance runs the operation's plan from now on, and its
    instantiatedVnfInfo is rewritten from ESC's state; returns that info."""
    info = info_from_esc(ctx, instance, ctx.plan, read_final_state(ctx))
    instance.instantiated_vnf_info = info
    instance.internal = {**(instance.internal or {}), "plan": ctx.plan}
    return info


STEPS = (UpdateModel(), ConfirmResize(), Redeploy())


# ----------------------------------------------------------------------------- results


def resource_changes(
    ctx: StepContext,
    before: list[dict[str, Any]],
    after: list[dict[str, Any]],
    *,
    vnfd_id: str | None = None,
) -> dict[str, Any] | None:
    """AffectedVnfcs: VNFCs added or removed, and MODIFIED for those whose VM group
    changed (flavor, image, networks ...); the CPs listed are those whose NIC moved
    to another network."""
    old, new = old_spec(ctx), new_spec(ctx)
    changes = deployment.affected_vnfcs(before, after)
    modified = set(modified_groups(old, new))
    before_ids = {v["id"] for v in before}
    for vnfc in after:
        if vnfc["id"] not in before_ids or vnfc["vduId"] not in modified:
            continue
        entry: dict[str, Any] = {
            "id": vnfc["id"],
            "vduId": vnfc["vduId"],
            "changeType": "MODIFIED",
            "computeResource": vnfc["computeResource"],
        }
        vdu = vnfd_of(ctx, ctx.plan).flavours[ctx.plan["flavourId"]].vdus.get(vnfc["vduId"])
        cps = _moved_cps(vnfc, old, new, vdu.cps if vdu else ())
        if cps:
            entry["affectedVnfcCpIds"] = cps
        changes.append(entry)
    if vnfd_id is not None:
        for entry in changes:
            entry["vnfdId"] = vnfd_id
    return {"affectedVnfcs": changes} if changes else None


def _moved_cps(
    vnfc: dict[str, Any], old: DeploymentSpec, new: DeploymentSpec, cps: tuple[VduCp, ...]
) -> list[str]:
    """Ids of the VNFC's CPs whose NIC is on another network in ``new``."""
    before, after = old.vm_group(vnfc["vduId"]), new.vm_group(vnfc["vduId"])
    if before is None or after is None:
        return []
    old_nets = {i.nicid: i.network for i in before.interfaces}
    moved = {i.nicid for i in after.interfaces if old_nets.get(i.nicid) != i.network}
    orders = {cp.cp_id: cp.order for cp in cps}
    return [cp["id"] for cp in vnfc["vnfcCpInfo"] if orders.get(cp["cpdId"]) in moved]


# ----------------------------------------------------------------------------- prepare


def current_plan(instance: VnfInstanceRow) -> dict[str, Any]:
    plan = (instance.internal or {}).get("plan")
    if not plan:
        raise Conflict(f"VNF instance {instance.id} has no deployment plan: it is not deployed")
    return dict(plan)


def refuse_if_stopped(instance: VnfInstanceRow, operation: str) -> None:
    """ESC accepts no service update and no VM redeploy while the service is stopped
    (seed 000: a stopped service takes only start and undeploy), so say so now."""
    if deployment.vnf_state_of(instance.instantiated_vnf_info) == "STOPPED":
        raise Conflict(
            f"{operation} changes the ESC deployment, which ESC refuses while VNF instance "
            f"{instance.id} is STOPPED; start it first (operate)"
        )


def merge_ext_virtual_links(
    current: list[dict[str, Any]], changes: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The external VLs after a request that lists only the ones that change (SOL003:
    unchanged entries need not be supplied): a listed VL replaces the one with its id,
    and a CP it names leaves whichever VL held it before."""
    changed_ids = {link["id"] for link in changes}
    moved = {cp["cpdId"] for link in changes for cp in link.get("extCps") or []}
    kept = []
    for link in current:
        if link["id"] in changed_ids:
            continue
        cps = [cp for cp in link.get("extCps") or [] if cp["cpdId"] not in moved]
        if cps:
            kept.append({**link, "extCps": cps})
    return kept + [dict(link) for link in changes]


def check_ext_cps(flavour: DeploymentFlavour, links: list[dict[str, Any]], field: str) -> None:
    known = set(flavour.ext_cps)
    for cpd_id in deployment.ext_cp_networks({"extVirtualLinks": links}):
        if cpd_id not in known:
            raise Unprocessable(
                f"{field} names cpdId {cpd_id!r}, which is not an external CP of flavour "
                f"{flavour.flavour_id!r} (external CPs: {', '.join(sorted(known)) or 'none'})"
            )


def connect(plan: dict[str, Any], links: list[dict[str, Any]]) -> dict[str, Any]:
    """The plan with these external VLs (and the CP networks they give)."""
    return {
        **plan,
        "extVirtualLinks": links,
        "extCpNetworks": deployment.ext_cp_networks({"extVirtualLinks": links}),
    }


# ----------------------------------------------------------------------------- finish

#: Request attributes merged into the instance (JSON merge patch) on COMPLETED.
MERGED_ATTRIBUTES = {
    "vnfConfigurableProperties": "vnf_configurable_properties",
    "extensions": "extensions",
    "vimConnectionInfo": "vim_connection_info",
}


def apply_instance_changes(instance: VnfInstanceRow, request: dict[str, Any]) -> dict[str, Any]:
    """Merge the request's configurable properties, extensions and VIM connections
    into the instance (SOL003: JSON merge patch); returns what changed, without secrets."""
    changed: dict[str, Any] = {}
    for attribute, column in MERGED_ATTRIBUTES.items():
        if request.get(attribute) is None:
            continue
        merged = merge_patch(getattr(instance, column), request[attribute])
        setattr(instance, column, merged or None)
        changed[attribute] = request[attribute]
    return strip_secrets(changed)


def changed_ext_connectivity(
    info: dict[str, Any], links: list[dict[str, Any]]
) -> list[dict[str, Any]] | None:
    """ExtVirtualLinkInfo of the external VLs a request listed, as they are now."""
    ids = {link["id"] for link in links}
    if not ids:
        return None
    return [link for link in info.get("extVirtualLinkInfo") or [] if link["id"] in ids]


def read_final_state(ctx: StepContext) -> DeploymentState:
    state = ctx.read_deployment(ctx.plan["deployment"])
    if state is None:
        raise StepFailed(f"ESC lost deployment {ctx.plan['deployment']} before it could be read")
    return state


def refuse_group_resize(
    current: DeploymentFlavour, new: DeploymentFlavour, vdu_counts: dict[str, int]
) -> None:
    """ESC changes the flavor of a VM group only when the group holds a single VM
    (seed 002), so a change that would resize a bigger group is refused up front."""
    for vdu_id, vdu in new.vdus.items():
        old = current.vdus.get(vdu_id)
        count = int(vdu_counts.get(vdu_id, 0))
        if old is None or old.compute.esc_flavor == vdu.compute.esc_flavor or count <= 1:
            continue
        raise Unprocessable(
            f"VDU {vdu_id} would move from ESC flavor {old.compute.esc_flavor} to "
            f"{vdu.compute.esc_flavor}, but ESC resizes a VM group only when it holds a "
            f"single VM, and {vdu_id} runs {count}; scale it to one VM first"
        )


def links_within(links: list[dict[str, Any]], flavour: DeploymentFlavour) -> list[dict[str, Any]]:
    """External VLs without the CPs ``flavour`` does not have (and VLs left with none)."""
    kept = []
    for link in links:
        cps = [cp for cp in link.get("extCps") or [] if cp["cpdId"] in flavour.ext_cps]
        if cps:
            kept.append({**link, "extCps": cps})
    return kept


def managed_networks(
    plan: dict[str, Any], request: dict[str, Any], flavour: DeploymentFlavour
) -> dict[str, str]:
    """Internal VL -> NFVO-managed network after a request that may name new ones."""
    asked = deployment.managed_vl_networks(request)
    for vl_id in asked:
        if vl_id not in flavour.virtual_links:
            raise Unprocessable(
                f"extManagedVirtualLinks names vnfVirtualLinkDescId {vl_id!r}, which is not "
                f"a virtual link of flavour {flavour.flavour_id!r}"
            )
    kept = {k: v for k, v in plan["managedVlNetworks"].items() if k in flavour.virtual_links}
    return {**kept, **asked}


def configurable_properties(
    plan: dict[str, Any], instance: VnfInstanceRow, request: dict[str, Any]
) -> dict[str, Any]:
    """The day-0 variables after the request's vnfConfigurableProperties (merge patch)."""
    if request.get("vnfConfigurableProperties") is None:
        return dict(plan.get("configurableProperties") or {})
    merged = merge_patch(instance.vnf_configurable_properties, request["vnfConfigurableProperties"])
    return merged or {}
