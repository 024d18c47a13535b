"""Pure renderers: Diagnoses and documents in, text out.

The terminal summary (``summary``, ``textwidth``, ``vocabulary``), table and JSON (``render``),
the status page (``report``, ``report_html``), the models view, merge, the support packet's text
and the Prometheus text (``metrics``). No I/O: every sink writes what a view returns through the
gate. Imports only ``core``.
"""
