"""An NFVO session driven by OpenStack's python-tackerclient (its v2 VNF LCM client).

Run by tests/e2e/test_tackerclient.py with the interpreter of `.venv-nfvo`, a virtualenv
of its own (`make test` creates it) so the client's many dependencies never mix with
ours. Prints one JSON line per step; the test reads them.
"""

import json
import sys
import time

from tackerclient.v1_0 import client as tacker


def emit(step, value):
    print(json.dumps({"step": step, "value": value}), flush=True)


def wait_op(client, op_id, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        op = client.show_vnf_lcm_op_occs(op_id)
        if op["operationState"] in ("COMPLETED", "FAILED_TEMP", "FAILED", "ROLLED_BACK"):
            return op
        if time.monotonic() > deadline:
            raise SystemExit(f"operation {op_id} stuck in {op['operationState']}")
        time.sleep(0.1)


def latest_op(client, instance_id):
    ops = client.list_vnf_lcm_op_occs(filter=f"(eq,vnfInstanceId,{instance_id})")
    return sorted(ops, key=lambda o: o["startTime"])[-1]["id"]


def main(endpoint, vnfd_id, callback_uri):
    client = tacker.Client(endpoint_url=endpoint, auth_strategy="noauth", api_version="2")
    subscription = client.create_lccn_subscription(
        {"callbackUri": callback_uri, "filter": {"operationTypes": ["INSTANTIATE"]}}
    )
    emit("subscription", subscription["id"])
    instance = client.create_vnf_instance({"vnfdId": vnfd_id, "vnfInstanceName": "tacker"})
    emit("create", instance["instantiationState"])
    client.instantiate_vnf_instance(instance["id"], {"flavourId": "simple"})
    op = wait_op(client, latest_op(client, instance["id"]))
    emit("instantiate", op["operationState"])
    shown = client.show_vnf_instance(instance["id"])
    emit("show", shown["instantiationState"])
    listed = client.list_vnf_instances()
    emit("list", [i["id"] for i in listed])
    client.terminate_vnf_instance(instance["id"], {"terminationType": "FORCEFUL"})
    op = wait_op(client, latest_op(client, instance["id"]))
    emit("terminate", op["operationState"])
    client.delete_vnf_instance(instance["id"])
    emit("delete", [i["id"] for i in client.list_vnf_instances()])
    emit("ops", [o["operation"] for o in client.list_vnf_lcm_op_occs()])


if __name__ == "__main__":
    main(*sys.argv[1:4])
