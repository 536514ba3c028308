"""Berth's policy pack: the rules live in components.manifests.policy_rules."""

from components.policy_pack import serve

serve()
