"""The ``[routing]`` configuration section: rules that send a category straight to a unit.

::

    [routing]
    rules = [
      {category = "cyber_fraud", unit = "up-cyber-cell", force = "up"},
      {category = "traffic", unit = "up-traffic", platform = "twitter", channel = "up_police_x"},
    ]

A rule matches a complaint of its ``category``; ``force`` (the receiving channel's force),
``platform`` and ``channel`` narrow it further when given. The first matching rule wins and
comes before every other way of routing. Rules are checked against the units directory, the
configured channels and the installed platforms when the configuration is loaded.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shikayat._validation import problems as validation_problems
from shikayat.errors import ConfigProblem
from shikayat.units import UnitsDirectory


class RoutingRule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    category: str = Field(pattern=r"^[a-z0-9_]+$", description="Category code from the taxonomy")
    unit: str = Field(description="Unit id the complaint goes to")
    force: str | None = Field(default=None, description="Only on channels of this force")
    platform: str | None = Field(default=None, description="Only for complaints from this platform")
    channel: str | None = Field(default=None, description="Only for complaints received on this channel")

    def matches(self, category: str | None, platform: str, channel: str | None, force: str | None) -> bool:
        return (category == self.category
                and (self.platform is None or self.platform == platform)
                and (self.channel is None or self.channel == channel)
                and (self.force is None or self.force == force))


class RoutingConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    rules: tuple[RoutingRule, ...] = ()


def _rule_loc(loc: Sequence[Any]) -> Sequence[Any]:
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        return [f"rules[{loc[1]}]", *loc[2:]]
    return loc


def load_routing(raw: Any, units: UnitsDirectory, channels: Collection[str],
                 platforms: Collection[str]) -> tuple[RoutingConfig, list[ConfigProblem]]:
    """Validate the ``[routing]`` section; problems name ``rules[i].key``."""
    try:
        config = RoutingConfig.model_validate(raw if raw is not None else {})
    except ValidationError as exc:
        return RoutingConfig(), validation_problems("routing", exc, _rule_loc)
    problems: list[ConfigProblem] = []
    for i, rule in enumerate(config.rules):
        where = f"rules[{i}]"
        if units.units and rule.unit not in units:
            problems.append(ConfigProblem("routing", f"{where}.unit", f"unknown unit {rule.unit!r}"))
        if rule.force is not None and units.forces and rule.force not in units.forces:
            known = ", ".join(sorted(units.forces))
            problems.append(ConfigProblem("routing", f"{where}.force",
                                          f"unknown force {rule.force!r} (known: {known})"))
        if rule.channel is not None and rule.channel not in channels:
            problems.append(ConfigProblem("routing", f"{where}.channel",
                                          f"unknown channel {rule.channel!r} (no [channels.{rule.channel}])"))
        if rule.platform is not None and rule.platform not in platforms:
            problems.append(ConfigProblem("routing", f"{where}.platform",
                                          f"no installed plugin provides {rule.platform!r}"))
    return config, problems
