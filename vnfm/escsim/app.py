"""The ESC simulator's HTTP face: ESC's northbound REST API plus a ``/sim`` control API.

ESC API (``/ESCManager/v0``), as seed 002 documents it::

    POST   /{tenant}/deployments/{deployment}          deploy (esc_datamodel XML)
    DELETE /{tenant}/deployments/{deployment}          undeploy
    GET    /deployments/{deployment}                   operational data (opdata XML)
    PUT    /deployments/{deployment}                   service update (esc_datamodel XML)
    POST   /{tenant}/deployments/service/{deployment}  service_operation start|stop|reboot
    POST   /{tenant}/deployments/vm/{vm}               vm_operation (incl. confirm/revert
                                                       resize, enable/disable monitor)
    POST   /{tenant}/deployments/migrate-vm/{vm}       vm_migrate_operation live|cold
    POST   /{tenant}/deployments/snapshot-vm/{vm}      {"operation": "snapshot", "name"}
    POST   /{tenant}/deployments/recovery/{vm}         recovery_vm_operation
    GET    /snapshots[?internalTenantId=&generatedVMName=]   XML, or JSON per Accept
    DELETE /snapshots/{id-or-unique-name}
    POST   /snapshots/{id}/volumes                     {"name", "volume_type", ...}

Every accepted request answers at once (2xx, no body worth reading) and its workflow
posts events to the ``Callback`` (NETCONF-style XML) and ``Callback-ESC-Events``
(REST JSON) URLs of the request.  Refusals are ESC's ``<error>`` document with
``error_code`` and ``error_message``.  With ``credentials`` set, the ESC API wants
HTTP basic authentication (the ``/sim`` API never does).

Control API (JSON), for tests and demos::

    GET    /sim/calls          the ESC requests received (method, path, headers, body)
    DELETE /sim/calls          forget them
    GET    /sim/deployments    every deployment with its service and VM states
    GET    /sim/events         every event sent, with where it went (or that it was dropped)
    GET    /sim/faults         armed faults
    POST   /sim/faults         arm one: {"step", "effect", "target", "mode", "status",
                               "message", "seconds", "event_type"} (see faults.py)
    DELETE /sim/faults         disarm all;  DELETE /sim/faults/{id}  disarm one
    POST   /sim/reset          forget deployments, snapshots, faults, calls and events
"""

from __future__ import annotations

import base64
import hmac
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from vnfm.escsim.errors import SimError
from vnfm.escsim.faults import FaultSpecError
from vnfm.escsim.notifier import CallbackTargets
from vnfm.escsim.simulator import Simulator
from vnfm.southbound.esc import operations as ops
from vnfm.southbound.esc.opdata import opdata_xml

ESC = "/ESCManager/v0"
MAX_BODY = 1024 * 1024
XML = "application/xml"
# Spelled as ESC documents them (werkzeug would show "Callback-Esc-Events").
_LOGGED_HEADERS = ("Callback", "Callback-ESC-Events", "Content-Type", "Accept")


def create_app(
    boot_time_factor: float = 0.0,
    *,
    credentials: tuple[str, str] | None = None,
    callback_timeout: float = 5.0,
    simulator: Simulator | None = None,
) -> Flask:
    """A Flask app simulating one ESC; ``app.extensions["escsim"]`` is its Simulator."""
    sim = simulator or Simulator(boot_time_factor, callback_timeout=callback_timeout)
    app = Flask("vnfm.escsim")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.extensions["escsim"] = sim

    def targets() -> CallbackTargets:
        return CallbackTargets(
            callback=request.headers.get("Callback") or None,
            esc_events=request.headers.get("Callback-ESC-Events") or None,
        )

    def body() -> bytes:
        return request.get_data(cache=True)

    def ok(status: int = 200) -> Response:
        return Response(b"", status=status)

    @app.before_request
    def guard() -> Response | None:
        if not request.path.startswith(ESC):
            return None
        sim.record_call({
            "method": request.method,
            "path": request.path,
            "query": request.query_string.decode("latin-1"),
            "headers": {name: request.headers[name] for name in _LOGGED_HEADERS
                        if name in request.headers},
            "body": body()[:4096].decode("utf-8", errors="replace"),
        })
        if credentials is not None and not _authorized(credentials):
            answer = _esc_error(401, "Authentication required.")
            answer.headers["WWW-Authenticate"] = 'Basic realm="ESCManager"'
            return answer
        return None

    @app.errorhandler(SimError)
    def refused(exc: SimError) -> Response:
        return _esc_error(exc.status, exc.message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        code = exc.code or 500
        if request.path.startswith("/sim"):
            return _json({"error": exc.description}, code)
        return _esc_error(code, exc.description or exc.name)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:  # never a bare 500 page
        app.logger.exception("simulator error")
        return _esc_error(500, f"Internal error: {type(exc).__name__}")

    # ---------------------------------------------------------------- ESC API

    @app.post(f"{ESC}/<tenant>/deployments/<name>")
    def deploy(tenant: str, name: str) -> Response:
        sim.deploy(tenant, name, body(), targets())
        return ok(201)

    @app.delete(f"{ESC}/<tenant>/deployments/<name>")
    def undeploy(tenant: str, name: str) -> Response:
        sim.undeploy(tenant, name, targets())
        return ok()

    @app.get(f"{ESC}/deployments/<name>")
    def get_deployment(name: str) -> Response:
        return Response(opdata_xml(sim.get(name)), mimetype=XML)

    @app.put(f"{ESC}/deployments/<name>")
    def update(name: str) -> Response:
        sim.update(name, body(), targets())
        return ok()

    @app.post(f"{ESC}/<tenant>/deployments/service/<name>")
    def service_action(tenant: str, name: str) -> Response:
        sim.service_action(tenant, name, body(), targets())
        return ok()

    @app.post(f"{ESC}/<tenant>/deployments/vm/<vm>")
    def vm_action(tenant: str, vm: str) -> Response:
        sim.vm_action(tenant, vm, body(), targets())
        return ok()

    @app.post(f"{ESC}/<tenant>/deployments/migrate-vm/<vm>")
    def migrate(tenant: str, vm: str) -> Response:
        sim.migrate(tenant, vm, body(), targets())
        return ok()

    @app.post(f"{ESC}/<tenant>/deployments/snapshot-vm/<vm>")
    def snapshot(tenant: str, vm: str) -> Response:
        sim.create_snapshot(tenant, vm, body(), targets())
        return ok()

    @app.post(f"{ESC}/<tenant>/deployments/recovery/<vm>")
    def recover(tenant: str, vm: str) -> Response:
        sim.recover(tenant, vm, body(), targets())
        return ok()

    @app.get(f"{ESC}/snapshots")
    def list_snapshots() -> Response:
        found = sim.list_snapshots(
            tenant=request.args.get("internalTenantId") or None,
            vm_name=request.args.get("generatedVMName") or None,
        )
        if "json" in request.headers.get("Accept", ""):
            return Response(ops.snapshots_json(found), mimetype="application/json")
        return Response(ops.snapshots_xml(found), mimetype=XML)

    @app.delete(f"{ESC}/snapshots/<key>")
    def delete_snapshot(key: str) -> Response:
        sim.delete_snapshot(key, targets())
        return ok()

    @app.post(f"{ESC}/snapshots/<snapshot_id>/volumes")
    def create_volume(snapshot_id: str) -> Response:
        sim.create_volume(snapshot_id, body(), targets())
        return ok(202)

    # ---------------------------------------------------------------- control API

    @app.get("/sim/calls")
    def calls() -> Response:
        with sim.lock:
            return _json(list(sim.calls))

    @app.delete("/sim/calls")
    def clear_calls() -> Response:
        with sim.lock:
            sim.calls.clear()
        return ok(204)

    @app.get("/sim/deployments")
    def deployments() -> Response:
        return _json(sim.summary())

    @app.get("/sim/events")
    def events() -> Response:
        return _json(sim.notifier.journal())

    @app.get("/sim/faults")
    def faults() -> Response:
        return _json([f.to_json() for f in sim.faults.list()])

    @app.post("/sim/faults")
    def add_fault() -> Response:
        doc = request.get_json(silent=True)
        try:
            fault = sim.faults.add_from_json(doc)
        except FaultSpecError as exc:
            return _json({"error": str(exc)}, 400)
        return _json(fault.to_json(), 201)

    @app.delete("/sim/faults")
    def clear_faults() -> Response:
        sim.faults.clear()
        return ok(204)

    @app.delete("/sim/faults/<int:fault_id>")
    def remove_fault(fault_id: int) -> Response:
        if not sim.faults.remove(fault_id):
            return _json({"error": f"no fault {fault_id}"}, 404)
        return ok(204)

    @app.post("/sim/reset")
    def reset() -> Response:
        sim.reset()
        return ok(204)

    return app


def _esc_error(status: int, message: str) -> Response:
    return Response(ops.error_xml(status, message), status=status, mimetype=XML)


def _json(doc: Any, status: int = 200) -> Response:
    answer = jsonify(doc)
    answer.status_code = status
    return answer


def _authorized(credentials: tuple[str, str]) -> bool:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return False
    try:
        given = base64.b64decode(header[6:], validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return False
    expected = f"{credentials[0]}:{credentials[1]}"
    return hmac.compare_digest(given.encode(), expected.encode())
