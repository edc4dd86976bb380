"""Plan modifiers: small described objects that adjust one attribute's planned value.

The runtime plans every change the same way (engine/planning.py): a computed attribute that the
configuration leaves null becomes unknown in each object that changes. Then each attribute's
modifiers run, in the order the schema lists them, each seeing the value the one before it
planned. A modifier may set the planned value, ask for the resource to be replaced, or report
diagnostics; a resource never edits replacement paths itself. Each description is one markdown
sentence for users: the generated documentation appends it to the attribute's description.

- `UseStateForUnknown()`: a computed value that never changes once known (an id) keeps its
  prior value instead of showing as "(known after apply)".
- `RequiresReplace()`: a change of the value replaces the resource.
- `RequiresReplaceIf(condition, description)`: a change replaces the resource when `condition`
  says so.

Put `UseStateForUnknown()` before `RequiresReplace()` on one attribute: the replacement check
then compares the prior value with the kept one, rather than with an unknown.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import cty
from .cty.path import AttributePath
from .diagnostics import Diagnostics
from .schema import SchemaError

if TYPE_CHECKING:
    from .schema import Attribute

__all__ = [
    "PlanModifier",
    "PlanModifierRequest",
    "PlanModifierResponse",
    "ReplaceCondition",
    "RequiresReplace",
    "RequiresReplaceIf",
    "UseStateForUnknown",
]


@dataclass(frozen=True)
class PlanModifierRequest:
    """One attribute of one object in a plan: the resource itself, or an object nested in it.

    `prior_object` is None when the object is new in this plan: the resource is being created,
    or an element was added to a nested map or list. Set elements have no address to pair them
    with a prior element, so they are always new.
    """

    path: AttributePath
    type: cty.CtyType
    config: Any
    prior: Any
    planned: Any
    config_object: Mapping[str, Any] | None
    prior_object: Mapping[str, Any] | None
    planned_object: Mapping[str, Any]


@dataclass
class PlanModifierResponse:
    planned: Any
    requires_replace: bool = False
    diagnostics: Diagnostics = field(default_factory=Diagnostics)


class PlanModifier(ABC):
    """Adjusts the planned value of the attribute it is attached to."""

    description: str

    @abstractmethod
    def modify(self, request: PlanModifierRequest, response: PlanModifierResponse) -> None: ...

    def check(self, attribute: Attribute) -> None:  # noqa: B027 - optional hook
        """Raises SchemaError when the modifier makes no sense on `attribute` (at schema build)."""


@dataclass(frozen=True)
class UseStateForUnknown(PlanModifier):
    description: str = "Once known, plans keep its value from state."

    def check(self, attribute: Attribute) -> None:
        if not attribute.computed:
            raise SchemaError("UseStateForUnknown applies to computed attributes only")

    def modify(self, request: PlanModifierRequest, response: PlanModifierResponse) -> None:
        if request.prior_object is None or request.prior is None:
            return  # nothing known yet to keep
        if request.planned is not cty.UNKNOWN or request.config is cty.UNKNOWN:
            return  # planned from the configuration, or configured from values still to come
        response.planned = request.prior


ReplaceCondition = Callable[[PlanModifierRequest], bool]
"""Whether a change of the value (prior != planned, in an object that existed) replaces the
resource."""


@dataclass(frozen=True)
class RequiresReplaceIf(PlanModifier):
    condition: ReplaceCondition
    description: str

    def check(self, attribute: Attribute) -> None:
        if attribute.computed and not attribute.optional:
            raise SchemaError("a computed-only attribute cannot require replacement")

    def modify(self, request: PlanModifierRequest, response: PlanModifierResponse) -> None:
        if request.prior_object is None:
            return  # a new object, or a new resource, replaces nothing
        if cty.values_equal(request.prior, request.planned, request.type):
            return  # an unknown planned value counts as a change
        if self.condition(request):
            response.requires_replace = True


def _always(request: PlanModifierRequest) -> bool:
    return True


@dataclass(frozen=True)
class RequiresReplace(RequiresReplaceIf):
    condition: ReplaceCondition = _always
    description: str = "Changing this forces a replacement."
