"""The :class:`~vnfm.southbound.adapter.Adapter` over Cisco ESC's REST API (``ESCManager/v0``).

The same class talks to a real ESC and to :mod:`vnfm.escsim`; only ``base_url`` differs.

Every request carries the ``Callback`` and ``Callback-ESC-Events`` headers the adapter
was configured with, so ESC knows where to post the events of the work it accepts.

Retries: a request is repeated (up to ``retries`` more times, with exponential
``retry_backoff``) when it certainly did not reach ESC (connection refused, connect
timeout) or when ESC answered 502/503/504.  A read timeout is retried only for GET,
PUT and DELETE, which ESC treats idempotently; a POST that may have been received is
not sent twice - a retried deploy could otherwise meet its own first attempt (which
ESC would refuse as a duplicate name, :class:`AlreadyExists`).

Answers: 2xx is success; 404 → :class:`NotFound`; 409 on deploy →
:class:`AlreadyExists`; other 4xx and 500/501 (ESC's VIM errors) →
:class:`RequestRejected` with ESC's ``error_message``; unreachable →
:class:`Unavailable` / :class:`SouthboundTimeout`; an unreadable or oversized answer →
:class:`ProtocolError`.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import quote

import requests
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

from vnfm.southbound.adapter import (
    AlreadyExists,
    NotFound,
    ProtocolError,
    RequestRejected,
    SouthboundError,
    SouthboundTimeout,
    Unavailable,
)
from vnfm.southbound.esc import operations as ops
from vnfm.southbound.esc.datamodel import build_datamodel
from vnfm.southbound.esc.opdata import parse_opdata
from vnfm.southbound.types import (
    DeploymentSpec,
    DeploymentState,
    MigrationType,
    RecoveryAction,
    ServiceAction,
    SnapshotInfo,
    VmAction,
)

log = logging.getLogger(__name__)

XML = "application/xml"
JSON = "application/json"
MAX_RESPONSE_BYTES = 4 * 1024 * 1024
_RETRY_STATUS = {502, 503, 504}
_IDEMPOTENT = {"GET", "PUT", "DELETE"}


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the request surely did not reach the server, so resending is safe."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    cause = exc.args[0] if exc.args else None
    if isinstance(cause, MaxRetryError):
        cause = cause.reason
    return isinstance(cause, (NewConnectionError, ConnectTimeoutError))


class EscAdapter:
    """ESC REST client.  Thread-safe enough for a worker pool: one ``requests.Session``."""

    def __init__(
        self,
        base_url: str,
        *,
        callback_url: str | None = None,
        esc_events_url: str | None = None,
        connect_timeout: float = 3.0,
        read_timeout: float = 30.0,
        retries: int = 2,
        retry_backoff: float = 0.5,
        username: str | None = None,
        password: str | None = None,
        session: requests.Session | None = None,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        if retries < 0:
            raise ValueError("retries must not be negative")
        self.base_url = base_url.rstrip("/")
        self.callback_url = callback_url
        self.esc_events_url = esc_events_url
        self.timeout = (connect_timeout, read_timeout)
        self.retries = retries
        self.retry_backoff = retry_backoff
        self.max_response_bytes = max_response_bytes
        if session is None:
            session = requests.Session()
            # ESC sits on the management network: no proxy settings from the
            # environment (reading them costs a scan of os.environ per request).
            session.trust_env = False
        self._session = session
        if username is not None:
            self._session.auth = (username, password or "")

    def close(self) -> None:
        self._session.close()

    # ------------------------------------------------------------------ transport

    def _url(self, *segments: str) -> str:
        return "/".join([self.base_url, "ESCManager", "v0", *(quote(s, safe="") for s in segments)])

    def _request(
        self,
        method: str,
        segments: tuple[str, ...],
        *,
        body: bytes | None = None,
        content_type: str = XML,
        params: dict[str, str] | None = None,
        conflict: type[SouthboundError] = RequestRejected,
    ) -> tuple[int, bytes]:
        headers = {"Accept": XML}
        if body is not None:
            headers["Content-Type"] = content_type
        if self.callback_url:
            headers["Callback"] = self.callback_url
        if self.esc_events_url:
            headers["Callback-ESC-Events"] = self.esc_events_url
        url = self._url(*segments)
        last: SouthboundError | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.retry_backoff * 2 ** (attempt - 1))
            try:
                status, content = self._send(method, url, body, headers, params)
            except requests.ReadTimeout:
                last = SouthboundTimeout(f"ESC did not answer {method} {url} in time")
                if method in _IDEMPOTENT:
                    continue
                raise last from None
            except requests.RequestException as exc:
                timeout = isinstance(exc, requests.Timeout)
                kind = SouthboundTimeout if timeout else Unavailable
                last = kind(f"ESC unreachable for {method} {url}: {type(exc).__name__}")
                if _never_sent(exc) or method in _IDEMPOTENT:
                    continue
                raise last from None
            if status in _RETRY_STATUS:
                message = ops.parse_error_message(content) or f"HTTP {status}"
                last = Unavailable(f"ESC unavailable: {message}", status)
                continue
            return self._check(status, content, conflict)
        assert last is not None
        raise last

    def _send(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: dict[str, str],
        params: dict[str, str] | None,
    ) -> tuple[int, bytes]:
        with self._session.request(
            method, url, data=body, headers=headers, params=params, timeout=self.timeout,
            stream=True, allow_redirects=False,  # ESC does not redirect; never resend creds
        ) as answer:
            chunks: list[bytes] = []
            size = 0
            for chunk in answer.iter_content(64 * 1024):
                size += len(chunk)
                if size > self.max_response_bytes:
                    raise ProtocolError(
                        f"ESC answer to {method} {url} exceeds {self.max_response_bytes} bytes",
                        answer.status_code,
                    )
                chunks.append(chunk)
            return answer.status_code, b"".join(chunks)

    @staticmethod
    def _check(status: int, content: bytes, conflict: type[SouthboundError]) -> tuple[int, bytes]:
        if 200 <= status < 300:
            return status, content
        message = ops.parse_error_message(content) or f"HTTP {status}"
        if status == 404:
            raise NotFound(message, status)
        if status == 409:
            raise conflict(message, status)
        if 400 <= status < 600:
            raise RequestRejected(message, status)
        raise ProtocolError(f"unexpected HTTP status {status}: {message}", status)

    # ------------------------------------------------------------------ deployments

    def deploy(self, spec: DeploymentSpec) -> None:
        self._request("POST", (spec.tenant, "deployments", spec.name),
                      body=build_datamodel(spec), conflict=AlreadyExists)

    def undeploy(self, tenant: str, deployment: str) -> None:
        self._request("DELETE", (tenant, "deployments", deployment))

    def update_service(self, spec: DeploymentSpec) -> None:
        self._request("PUT", ("deployments", spec.name), body=build_datamodel(spec))

    def get_deployment(self, deployment: str) -> DeploymentState | None:
        try:
            _, content = self._request("GET", ("deployments", deployment))
        except NotFound:
            return None
        return parse_opdata(content)

    def service_action(self, tenant: str, deployment: str, action: ServiceAction) -> None:
        self._request("POST", (tenant, "deployments", "service", deployment),
                      body=ops.service_operation_xml(action))

    # ------------------------------------------------------------------ VMs

    def vm_action(self, tenant: str, vm_name: str, action: VmAction, force: bool = False) -> None:
        self._request("POST", (tenant, "deployments", "vm", vm_name),
                      body=ops.vm_operation_xml(action, force))

    def set_monitoring(self, tenant: str, vm_name: str) -> None:
        self.vm_action(tenant, vm_name, VmAction.ENABLE_MONITOR)

    def unset_monitoring(self, tenant: str, vm_name: str) -> None:
        self.vm_action(tenant, vm_name, VmAction.DISABLE_MONITOR)

    def migrate_vm(
        self,
        tenant: str,
        vm_name: str,
        migration_type: MigrationType,
        host: str | None = None,
        block_migration: bool | None = None,
    ) -> None:
        request = ops.MigrateRequest(migration_type, host, block_migration)
        self._request("POST", (tenant, "deployments", "migrate-vm", vm_name),
                      body=ops.migrate_operation_xml(request))

    def recover_vm(
        self, tenant: str, vm_name: str, action: RecoveryAction = RecoveryAction.DEFAULT
    ) -> None:
        self._request("POST", (tenant, "deployments", "recovery", vm_name),
                      body=ops.recovery_operation_xml(action))

    # ------------------------------------------------------------------ snapshots

    def create_snapshot(self, tenant: str, vm_name: str, snapshot_name: str) -> None:
        self._request("POST", (tenant, "deployments", "snapshot-vm", vm_name),
                      body=ops.snapshot_request_json(snapshot_name), content_type=JSON)

    def list_snapshots(
        self, tenant: str | None = None, vm_name: str | None = None
    ) -> list[SnapshotInfo]:
        params = {}
        if tenant is not None:
            params["internalTenantId"] = tenant
        if vm_name is not None:
            params["generatedVMName"] = vm_name
        _, content = self._request("GET", ("snapshots",), params=params)
        return ops.parse_snapshots_xml(content)

    def delete_snapshot(self, snapshot: str) -> None:
        self._request("DELETE", ("snapshots", snapshot))

    def create_volume_from_snapshot(
        self,
        snapshot_id: str,
        volume_name: str,
        volume_type: str | None = None,
        multiattach: bool = False,
        bootable: bool = True,
    ) -> None:
        request = ops.VolumeRequest(volume_name, volume_type, multiattach, bootable)
        self._request("POST", ("snapshots", snapshot_id, "volumes"),
                      body=ops.volume_request_json(request), content_type=JSON)
