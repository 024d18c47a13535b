"""The pure core: what gpt56probe knows, with no I/O.

The tier table (``models``), the plain data a probe yields (``observation``), reading the wire
format (``wire``, ``reading``), the verdict rules (``rules``, ``classify``, ``expectations``),
redaction and the run's known secrets (``redact``, ``gate``), retry policy, names, discovery,
cost, routing rules, history arithmetic and streaks. Every other wing imports from here; this
wing imports nothing outside itself, so it can be tested exhaustively without a socket or a file.
"""
