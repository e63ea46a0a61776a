"""Cisco ESC's northbound REST dialect: ``esc_datamodel`` XML, operation payloads,
callback events (JSON and NETCONF XML), operational data, and the REST client."""
