"""``@api``: a client method declared once, as a flow, and typed on both clients.

A flow is a generator that yields operations (``Call``, ``Gather``, ...) and returns the
method's result. ``SynapseClient`` runs it with blocking calls, ``AsyncSynapseClient`` with
``await``; this descriptor hands each client its own binding and tells mypy which.
"""

from __future__ import annotations

import functools
import inspect
from typing import TYPE_CHECKING, Any, Callable, Concatenate, Coroutine, Generator, Generic, ParamSpec, TypeVar, overload

if TYPE_CHECKING:
    from ._async import AsyncSynapseClient
    from ._sync import SynapseClient

__all__ = ["api"]

P = ParamSpec("P")
R = TypeVar("R")


class api(Generic[P, R]):  # noqa: N801 (used as a decorator, like property)
    """Declare a client method once, as a flow; each client binds it its own way.

    Typed: the flow's parameters ``P`` and result ``R`` reach both clients. On
    :class:`~synapse_nb.client.SynapseClient` the method is ``Callable[P, R]``, on
    :class:`~synapse_nb.client.AsyncSynapseClient` ``Callable[P, Coroutine[..., R]]``,
    for mypy and for ``help()`` / shift-tab (the SDK's signature, without ``self``).

    >>> from synapse_nb.client.ops import Call
    >>> class Demo:
    ...     @api
    ...     def get_thing(self, thing_id: int) -> Generator[Any, Any, dict[str, Any]]:
    ...         \"\"\"``GET things/{thing_id}/``.\"\"\"
    ...         return (yield Call("GET", f"things/{thing_id}/"))
    >>> list(Demo.get_thing.flow.__client_signature__.parameters)
    ['thing_id']
    """

    def __init__(self, flow: Callable[Concatenate[Any, P], Generator[Any, Any, R]]) -> None:
        self.flow = flow
        functools.update_wrapper(self, flow)

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.flow.__name__ = name
        self.flow.__qualname__ = f"{owner.__name__}.{name}"
        if self.flow.__doc__ and "{name}" in self.flow.__doc__:
            self.flow.__doc__ = self.flow.__doc__.replace("{name}", name)
        self.__doc__ = self.flow.__doc__
        # help() and inspect show the SDK signature (without self) on both clients
        sig = inspect.signature(self.flow)
        self.flow.__client_signature__ = sig.replace(  # type: ignore[attr-defined]
            parameters=list(sig.parameters.values())[1:], return_annotation=inspect.Signature.empty)
        # through the class (help(SynapseClient)): what the method returns, not the flow type
        result = sig.return_annotation
        if isinstance(result, str) and result.startswith("Steps[") and result.endswith("]"):
            result = result[len("Steps["):-1]
        self.__signature__ = sig.replace(return_annotation=result)

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> api[P, R]: ...
    @overload
    def __get__(self, obj: SynapseClient, objtype: type | None = None) -> Callable[P, R]: ...
    @overload
    def __get__(self, obj: AsyncSynapseClient, objtype: type | None = None
                ) -> Callable[P, Coroutine[Any, Any, R]]: ...
    @overload
    def __get__(self, obj: object, objtype: type | None = None) -> Callable[P, Any]: ...

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        return obj._bind(self.flow)

    def __call__(self, client: Any, *args: P.args, **kwargs: P.kwargs) -> Any:
        """``SynapseClient.get_task(client, 1)``: the method called through the class."""
        return client._bind(self.flow)(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<client method {getattr(self, 'name', self.flow.__name__)}>"
