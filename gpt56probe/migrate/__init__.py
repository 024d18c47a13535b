"""Moving traffic to GPT-5.6: eval before cutover, the emitted router, the tier-served log
reader and the rollout checklist. Builds on ``core`` and reaches the network through ``net``.
"""
