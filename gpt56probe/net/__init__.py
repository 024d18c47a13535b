"""The HTTP shell: one requests Session, a probe -> Observation, the fan-out under deadlines.

Also what the network looks like from here (``netenv``: proxies, VPN interfaces, the vantage)
and how a run is interrupted (``interrupts``). Imports only ``core``.
"""
