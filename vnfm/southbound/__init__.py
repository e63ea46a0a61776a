"""The southbound: how the LCM engine drives the infrastructure manager.

``types`` holds the neutral vocabulary (specs, states, events, ESC's names),
``adapter`` the :class:`Adapter` protocol and its typed errors, ``esc`` the
implementation over Cisco ESC's REST API.
"""
