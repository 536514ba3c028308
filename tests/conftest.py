"""Shared pytest configuration."""

# pytester runs the pulumi_harness plugin in an inner session to check how it reports failures.
pytest_plugins = ("pytester",)
