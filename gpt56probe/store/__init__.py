"""What touches files and the keyring: state and history, recordings, config, credentials,
the guarded file writes (``files``) and the gated streams every terminal output passes
(``gated_stream``). Imports only ``core``.
"""
