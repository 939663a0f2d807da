"""Packaged reference data (YAML files beside this module) and the YAML reader for user files too."""

from __future__ import annotations

from importlib import resources

import yaml

# libyaml's safe loader when PyYAML was built with it: some ten times faster than the pure-Python one,
# and every process reads the trigger lexicon, actors, equipment and sites at start-up.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str):
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 (a safe loader)


def packaged_text(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text("utf-8")


def packaged(name: str):
    """A packaged YAML file, parsed."""
    return load_yaml(packaged_text(name))
