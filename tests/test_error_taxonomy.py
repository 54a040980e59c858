"""Every exception pyspire defines has one root, PyspireError, through the family that says what
to do about it; built-in bases that callers catch stay."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import pyspire
from pyspire.errors import ConfigurationError, PermanentError, PyspireError, TemporaryError
from pyspire.model.errors import ModelError

#: Not errors: a control-flow signal that must pass ``except Exception``, and a warning category.
NOT_ERRORS = {"pyspire.app.AppHandedOff", "pyspire.model.errors.ModelWarning"}


def _pyspire_exception_classes() -> list[type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for module_info in pkgutil.walk_packages(pyspire.__path__, "pyspire."):
        if module_info.name.endswith("__main__"):
            continue
        module = importlib.import_module(module_info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, BaseException) and cls.__module__.startswith("pyspire."):
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return [cls for name, cls in sorted(found.items()) if name not in NOT_ERRORS]


def test_every_exception_class_in_pyspire_derives_from_pyspire_error():
    classes = _pyspire_exception_classes()
    assert len(classes) >= 25
    strays = [f"{c.__module__}.{c.__qualname__}" for c in classes if not issubclass(c, PyspireError)]
    assert strays == []


@pytest.mark.parametrize(
    ("qualified", "family", "still_a"),
    [
        ("pyspire.model.errors.ModelError", ModelError, ValueError),
        ("pyspire.executor.configuration.SettingsError", ConfigurationError, ValueError),
        ("pyspire.model.command_arguments.CommandArgumentError", ConfigurationError, ValueError),
        ("pyspire.api.hosting.ApiSettingError", ConfigurationError, ValueError),
        ("pyspire.api.server.ApiBindError", ConfigurationError, OSError),
        ("pyspire.runtime.apphost_lock.AppHostAlreadyRunning", ConfigurationError, Exception),
        ("pyspire.loader.AppHostNotFound", ConfigurationError, FileNotFoundError),
        ("pyspire.cli.selection.SelectionError", ConfigurationError, Exception),
        ("pyspire.runtime.container_engine.NoContainerEngine", PermanentError, Exception),
        ("pyspire.runtime.container_engine.ContainerEngineError", PermanentError, Exception),
        ("pyspire.executor.container_launch.ContainerUnavailable", PermanentError, RuntimeError),
        ("pyspire.runtime.errors.SpawnError", PermanentError, RuntimeError),
        ("pyspire.executor.waits.DependencyFailed", PermanentError, RuntimeError),
        ("pyspire.proxy.errors.ProxyBindError", TemporaryError, OSError),
        ("pyspire.executor.addresses.EndpointFailed", TemporaryError, RuntimeError),
        ("pyspire.cli.client.AppHostUnreachable", TemporaryError, Exception),
        ("pyspire.orchestrator.store.NotFound", PyspireError, KeyError),
        ("pyspire.provisioning.errors.DeploymentFailed", PermanentError, Exception),
        ("pyspire.provisioning.errors.PrerequisiteFailed", PermanentError, Exception),
        ("pyspire.provisioning.errors.DeploymentConflict", TemporaryError, Exception),
        ("pyspire.provisioning.errors.MissingConfiguration", ConfigurationError, Exception),
        ("pyspire.testing.ResourceStateError", PyspireError, AssertionError),
    ],
)
def test_each_error_is_in_its_family_and_keeps_the_base_callers_catch(qualified, family, still_a):
    module, name = qualified.rsplit(".", 1)
    cls = getattr(importlib.import_module(module), name)
    assert issubclass(cls, family) and issubclass(cls, still_a)


def test_a_configuration_error_exits_2_and_a_failure_1():
    assert ConfigurationError.exit_code == ModelError.exit_code == 2
    assert PermanentError.exit_code == TemporaryError.exit_code == PyspireError.exit_code == 1


def test_a_proxy_port_clash_is_still_an_os_error_with_its_errno_and_a_retry_delay():
    from pyspire.proxy.errors import ProxyBindError

    error = ProxyBindError("127.0.0.1", 8080, OSError(98, "Address already in use"))
    assert error.errno == 98 and error.delay > 0
    assert str(error) == "[Errno 98] cannot listen on 127.0.0.1:8080: Address already in use"
    assert (error.host, error.port) == ("127.0.0.1", 8080)
