"""template_cache: compiled Jinja2 templates kept in $FPGA_EXPORT_CACHE/templates, so only the
first process compiles them; a cache folder that cannot be written costs nothing but speed."""

import jinja2

from fpga_export.template_cache import BYTECODE_CACHE

SOURCE = {"t.txt": "{% for x in xs %}{{ x }};{% endfor %}"}


def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.DictLoader(SOURCE), bytecode_cache=BYTECODE_CACHE)


def test_a_second_environment_renders_without_compiling(tmp_path, monkeypatch):
    monkeypatch.setenv("FPGA_EXPORT_CACHE", str(tmp_path / "cache"))
    assert environment().get_template("t.txt").render(xs=[1, 2]) == "1;2;"
    assert len(list((tmp_path / "cache" / "templates").glob("*.jinja"))) == 1

    def no_compile(*args, **kwargs):
        raise AssertionError("compiled again")

    second = environment()
    monkeypatch.setattr(second, "compile", no_compile)
    assert second.get_template("t.txt").render(xs=[3]) == "3;"


def test_a_cache_folder_that_cannot_be_made_is_skipped(tmp_path, monkeypatch):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    monkeypatch.setenv("FPGA_EXPORT_CACHE", str(blocker))  # templates/ cannot be made under it
    assert environment().get_template("t.txt").render(xs=[4]) == "4;"
    assert blocker.read_text() == ""
