"""How ESC (and OpenStack under it) name things, so simulated values look like real ones.

From the seeds: generated VM names are ``{deployment}_{group}_{index}_{uuid}`` with the
deployment name cut to 16 and the group name to 6 characters
(``new-deployment-n_new-gr_0_af0148e2-...``, ``test-dep_g1_0_6be93ee9-...``); VM,
deployment and snapshot ids are UUIDs; tenant ids are 32 hex digits; a host id is
56 hex digits, which is what OpenStack's ``hostId`` (a SHA-224 of project and host)
looks like.  Addresses come from one /24 per network, MACs use OpenStack's
``fa:16:3e`` prefix.
"""

from __future__ import annotations

import hashlib
import ipaddress
import itertools
import threading
import uuid

HOSTS = ("sim-compute-21", "sim-compute-22", "sim-compute-23", "sim-compute-24")


def new_uuid() -> str:
    return str(uuid.uuid4())


def tenant_id() -> str:
    return uuid.uuid4().hex


def vm_name(deployment: str, group: str, index: int) -> str:
    return f"{deployment[:16]}_{group[:6]}_{index}_{new_uuid()}"


def host_id(project_id: str, host: str) -> str:
    return hashlib.sha224(f"{project_id}{host}".encode()).hexdigest()


class Allocator:
    """Hands out hosts round-robin, and IPs/MACs that are unique for the simulator's life."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._host_cycle = itertools.cycle(HOSTS)
        self._networks: dict[str, ipaddress.IPv4Network] = {}
        self._next_host_octet: dict[str, int] = {}
        self._mac_counter = itertools.count(1)

    def host(self, avoid: str | None = None) -> str:
        with self._lock:
            chosen = next(self._host_cycle)
            if chosen == avoid:
                chosen = next(self._host_cycle)
            return chosen

    def ip(self, network: str) -> str:
        with self._lock:
            if network not in self._networks:
                self._networks[network] = ipaddress.IPv4Network(
                    f"10.{len(self._networks) // 250}.{len(self._networks) % 250}.0/24"
                )
                self._next_host_octet[network] = 10
            net = self._networks[network]
            octet = self._next_host_octet[network]
            self._next_host_octet[network] = 10 if octet >= 250 else octet + 1
            return str(net.network_address + octet)

    def mac(self) -> str:
        with self._lock:
            n = next(self._mac_counter)
        return f"fa:16:3e:{(n >> 16) & 0xFF:02x}:{(n >> 8) & 0xFF:02x}:{n & 0xFF:02x}"
