"""CallFunction: arguments decoded by the function's parameters, one error or one result.

Functions need no configured provider: Terraform calls them without configuring it.
"""

from __future__ import annotations

from ..interfaces import Function, FunctionError
from ..protocol import CallFunctionRequest, CallFunctionResponse, DynamicValue

__all__ = ["call_function"]


def call_function(function: Function | None, request: CallFunctionRequest) -> CallFunctionResponse:
    if function is None:
        return CallFunctionResponse(error_text=f"no function {request.name!r}")
    try:
        arguments = [
            argument.decode(parameter.type)
            for argument, parameter in zip(request.arguments, function.parameters, strict=True)
        ]
        for index, (argument, parameter) in enumerate(zip(arguments, function.parameters, strict=True)):
            if argument is None and not parameter.allow_null:
                raise FunctionError(f"{parameter.name} must not be null", index)
        result = function.call(arguments)
    except FunctionError as error:
        return CallFunctionResponse(error_text=error.text, error_argument=error.argument)
    return CallFunctionResponse(result=DynamicValue.of(result, function.return_type))
