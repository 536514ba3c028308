"""Shared pytest configuration."""

# pytester runs the pulumi_harness plugin in an inner session to check how it reports failures.
pytest_plugins = ("pytester",)

# CPython 3.11.7 miscounts the AST recursion depth once a traceback has been formatted
# with caret anchors (the Pulumi SDK formats one when a registration fails, as in
# tests/test_cluster_binding.py), and a later parse then raises "SystemError: AST
# constructor recursion depth mismatch". hypothesis' pytest plugin imports hypothesis
# (through pytest's assertion rewriter, which parses) at the end of the session; importing
# it here, before any test, keeps a run of a single test file from crashing there.
import hypothesis  # noqa: E402, F401
