"""gpt56probe: tell, in seconds, why a GPT-5.6 preview call fails for an API organization."""

__version__ = "0.1.0"
