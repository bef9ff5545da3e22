"""fpga_export.frontend.HandlerRegistry (framework-neutral; exercised with plain classes)."""

import re

import pytest

from fpga_export.frontend import HandlerRegistry, UnsupportedLayerError


class Base:
    name = "b"

    def call(self, x):
        return x


class Child(Base):  # same computation as Base
    name = "c"


class Other(Base):
    name = "o"

    def call(self, x):
        return 2 * x


class GrandChild(Other):
    name = "g"


class Unrelated:
    name = "u"


def exact(message):
    return "^" + re.escape(message) + "$"


def registry():
    reg = HandlerRegistry("test layers", behaviour_methods=("call",))

    @reg.register(Base)
    def base(obj):
        return "base"

    return reg


def test_lookup_along_the_mro():
    reg = registry()
    assert reg.lookup(Base())(None) == "base"
    assert reg.lookup(Child())(None) == "base"

    @reg.register(Other)
    def other(obj):
        return "other"

    assert reg.lookup(Other())(None) == "other"
    assert reg.lookup(GrandChild())(None) == "other"  # GrandChild does not redefine call
    assert reg.resolve(GrandChild) == (Other, other)
    assert Base in reg and Unrelated not in reg
    assert reg.classes == [Base, Other]


def test_unsupported_message():
    reg = registry()
    with pytest.raises(UnsupportedLayerError) as info:
        reg.lookup(Unrelated())
    assert str(info.value) == (
        f"layer 'u' of class Unrelated ({__name__}) is not supported; supported classes: Base"
    )
    assert isinstance(info.value, ValueError)
    assert (info.value.layer_name, info.value.layer_class) == ("u", Unrelated)
    assert info.value.supported == ["Base"]
    with pytest.raises(
        UnsupportedLayerError,
        match=exact(
            f"layer 'my_layer' of class Unrelated ({__name__}) is not supported; supported "
            "classes: Base"
        ),
    ):
        reg.lookup(Unrelated(), name="my_layer")


def test_subclass_redefining_behaviour_is_refused():
    reg = registry()
    with pytest.raises(
        UnsupportedLayerError,
        match=exact(
            f"layer 'g' of class GrandChild ({__name__}) is not supported: it subclasses Base but "
            "Other redefines call(), so its computation may differ; supported classes: Base"
        ),
    ):
        reg.lookup(GrandChild())
    plain = HandlerRegistry()
    plain.register(Base)(lambda obj: "base")
    assert plain.lookup(GrandChild())(None) == "base"


def test_supported_names_are_sorted_and_unique():
    reg = HandlerRegistry()
    OtherBase = type("Base", (), {})  # same name, another class (e.g. keras vs tf_keras)
    reg.register(Unrelated, Base, OtherBase)(lambda obj: None)
    assert reg.supported_names() == ["Base", "Unrelated"]


def test_register_errors():
    reg = registry()
    with pytest.raises(
        ValueError,
        match=exact(f"{__name__}.Base already has a handler (base) in the test layers registry"),
    ):
        reg.register(Base)(lambda obj: None)
    with pytest.raises(TypeError, match=exact("register() takes class objects, got 'Dense'")):
        reg.register("Dense")
    with pytest.raises(TypeError, match=exact("register() needs at least one class")):
        reg.register()
