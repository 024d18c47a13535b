"""Templates shipped with gpt56probe (support packet, cron and systemd units).

This folder sits at the top of the repository and is installed as the
``gpt56probe.templates`` package, so ``importlib.resources`` finds it both
in a wheel and in an editable install.
"""
