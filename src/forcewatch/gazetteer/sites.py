"""Watched facilities: the packaged sites file plus any the user adds."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from forcewatch.data import load_yaml, packaged_text
from forcewatch.records import Site


def parse_site(entry: dict) -> Site:
    """One site of a sites file (or written in a watch.yaml); TypeError, ValueError or KeyError if not one."""
    site = Site.from_dict(entry)
    site.lat, site.lon = float(site.lat), float(site.lon)
    return site


def load_sites(*extra: str | Path, inline: Iterable[Site] = ()) -> list[Site]:
    """Packaged sites, then the user's files in order, then ``inline`` sites (written in a config
    itself, checked already); later ids win."""
    texts = [packaged_text("sites.yaml")]
    paths = [Path(p) for p in extra]
    for path in paths:
        try:
            texts.append(path.read_text("utf-8"))
        except OSError as exc:
            raise ValueError(f"{path}: cannot read sites file ({exc.strerror})") from exc
    sites: dict[str, Site] = {}
    for source, text in zip(["packaged sites.yaml", *map(str, paths)], texts):
        entries = load_yaml(text) or []
        if not isinstance(entries, list):
            raise ValueError(f"{source}: a sites file is a list of sites")
        for i, entry in enumerate(entries):
            try:
                site = parse_site(entry)
            except (TypeError, ValueError, KeyError) as exc:
                raise ValueError(f"{source}: site #{i + 1} is not valid ({exc})") from exc
            sites[site.id] = site
    sites.update({site.id: site for site in inline})
    return list(sites.values())
