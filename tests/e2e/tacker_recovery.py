"""An NFVO recovering failed operations with python-tackerclient: `op retry`, `op fail`,
`op rollback` and `op cancel` (their client calls), against faults injected into the
ESC simulator.

Run by tests/e2e/test_tackerclient.py with the interpreter of `.venv-nfvo`. Prints one
JSON line per step; the test reads them.
"""

import json
import sys
import time
import urllib.request

from tacker_session import emit, latest_op, wait_op
from tackerclient.v1_0 import client as tacker


def fault(sim, **spec):
    request = urllib.request.Request(
        f"{sim}/sim/faults",
        data=json.dumps(spec).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        answer.read()


def wait_processing(client, op_id, timeout=10.0):
    deadline = time.monotonic() + timeout
    while client.show_vnf_lcm_op_occs(op_id)["operationState"] != "PROCESSING":
        if time.monotonic() > deadline:
            raise SystemExit(f"operation {op_id} never reached PROCESSING")
        time.sleep(0.02)


def failed_instantiate(client, sim, instance_id):
    """Instantiate while ESC fails the deployment: the op occ ends in FAILED_TEMP."""
    fault(sim, step="deploy", effect="fail")
    client.instantiate_vnf_instance(instance_id, {"flavourId": "simple"})
    op_id = latest_op(client, instance_id)
    return op_id, wait_op(client, op_id)["operationState"]


def main(endpoint, vnfd_id, sim):
    client = tacker.Client(endpoint_url=endpoint, auth_strategy="noauth", api_version="2")

    first = client.create_vnf_instance({"vnfdId": vnfd_id})["id"]
    op_id, state = failed_instantiate(client, sim, first)
    emit("instantiate with a fault", state)
    client.retry_vnf_instance(op_id)
    emit("retry", wait_op(client, op_id)["operationState"])

    fault(sim, step="undeploy", effect="fail")
    client.terminate_vnf_instance(first, {"terminationType": "FORCEFUL"})
    op_id = latest_op(client, first)
    emit("terminate with a fault", wait_op(client, op_id)["operationState"])
    emit("fail", client.fail_vnf_instance(op_id)["operationState"])
    emit("after fail", client.show_vnf_instance(first)["instantiationState"])

    second = client.create_vnf_instance({"vnfdId": vnfd_id})["id"]
    op_id, state = failed_instantiate(client, sim, second)
    emit("second instantiate with a fault", state)
    client.rollback_vnf_instance(op_id)
    emit("rollback", wait_op(client, op_id)["operationState"])
    emit("after rollback", client.show_vnf_instance(second)["instantiationState"])

    # ESC's SERVICE_ALIVE goes missing, so the instantiate waits for it: cancel then.
    fault(sim, step="callback", effect="drop", event_type="SERVICE_ALIVE")
    client.instantiate_vnf_instance(second, {"flavourId": "simple"})
    op_id = latest_op(client, second)
    wait_processing(client, op_id)
    client.cancel_vnf_instance(op_id, {"cancelMode": "FORCEFUL"})
    emit("cancel", wait_op(client, op_id)["operationState"])
    client.rollback_vnf_instance(op_id)
    emit("rollback after cancel", wait_op(client, op_id)["operationState"])

    emit("ops", sorted(
        (o["operation"], o["operationState"]) for o in client.list_vnf_lcm_op_occs()
    ))


if __name__ == "__main__":
    main(*sys.argv[1:4])
