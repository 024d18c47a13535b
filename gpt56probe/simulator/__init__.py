"""A loopback simulator of the OpenAI API parts gpt56probe uses, playing the gated GPT-5.6 preview.

It is the backend of ``gpt56probe demo`` and of the tests: behaviour is chosen
by API key, OpenAI-Organization header and model (docs/contract.md,
docs/simulator.md). It binds 127.0.0.1 only.
"""

from gpt56probe.simulator.scenarios import ErrorSpec, Rule, Scenario, ScenarioFileError, ScenarioSet, Settings, catalogue
from gpt56probe.simulator.scenario_file import load_scenario_file, load_scenarios, scenario_listing, scenarios_from_data
from gpt56probe.simulator.server import (
    RecordedRequest,
    SimulatorHandle,
    format_listing,
    run_forever,
    start_simulator,
)

__all__ = [
    "ErrorSpec",
    "RecordedRequest",
    "Rule",
    "Scenario",
    "ScenarioFileError",
    "ScenarioSet",
    "Settings",
    "SimulatorHandle",
    "catalogue",
    "format_listing",
    "load_scenario_file",
    "load_scenarios",
    "run_forever",
    "scenario_listing",
    "scenarios_from_data",
    "start_simulator",
]
