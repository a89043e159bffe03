"""Who runs the site: name, registration and complaints body per country (operator.yml).

The assistant shows them in the FAQ answer over_ons and under every comparison, the demo
site in its footer. Values come from configuration only, never from code: the repository
ships clearly fictitious examples.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Extra, ValidationError

from cyberbot.reading.country import country_key

CONFIG_VARIABLE = "CYBERBOT_OPERATOR_CONFIG"
DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "operator.yml"


class OperatorConfigError(ValueError):
    """operator.yml cannot be used; the message names the field."""


class Registration(BaseModel, extra=Extra.forbid):
    registration: str
    complaints: str


class OperatorInfo(BaseModel, extra=Extra.forbid):
    name: str
    netherlands: Registration
    belgium: Registration

    def placeholders(self, country: str | None) -> dict[str, str]:
        """The values the texts fill in (``{operator_name}``, ...), for the visitor's country,
        or both countries' when it is unknown."""
        key = country_key(country)
        if key == "nl":
            registration, complaints = (self.netherlands.registration,
                                        self.netherlands.complaints)
        elif key == "be":
            registration, complaints = self.belgium.registration, self.belgium.complaints
        else:
            registration = (f"{self.netherlands.registration} (Nederland) en "
                            f"{self.belgium.registration} (België)")
            complaints = (f"{self.netherlands.complaints} (Nederland) of "
                          f"{self.belgium.complaints} (België)")
        return {"operator_name": self.name, "operator_registration": registration,
                "operator_complaints": complaints}


def load_operator(path: Path | None = None) -> OperatorInfo:
    path = path or Path(os.environ.get(CONFIG_VARIABLE) or DEFAULT_CONFIG)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return OperatorInfo.parse_obj(data)
    except OSError as error:
        raise OperatorConfigError(f"{path}: {error.strerror}") from None
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                             for e in error.errors())
        raise OperatorConfigError(f"{path}: {problems}") from None


@lru_cache(maxsize=1)
def operator_info() -> OperatorInfo:
    """The operator of this process's configuration, read once."""
    return load_operator()
