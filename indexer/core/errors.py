"""Errors that carry a message meant for a person (CLI prints it on one line, API maps it to 4xx)."""


class LancerError(Exception):
    """Base for errors caused by configuration or input, with a message that says what to fix."""


class ConfigError(LancerError):
    """The configuration (environment, registry, deployments) is invalid."""


class UnknownChainError(ConfigError):
    """A chain name or id is not in the registry."""
