"""The stored forms of an outcome, of the policy's sources and of what the project declares
beside its locks: JSON-ready data, and back.

Reading back is strict: anything that is not what :func:`outcome_data` or
:func:`sources_data` wrote raises ``TypeError``, ``ValueError`` (``InvalidSpecifier`` and
``InvalidMarker`` are ones) or ``SyntaxError`` (a marker, on packaging 22), which the
cache takes as a miss.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from pytest_deppolicy.report.outcome import Outcome, Warned

if TYPE_CHECKING:
    from packaging.markers import Marker
    from packaging.utils import NormalizedName

    from pytest_deppolicy.policy import Declaration
    from pytest_deppolicy.sources.records import Entry, Source

_LINES = ("verbose", "body", "summary", "annotations")


def outcome_data(outcome: Outcome) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ok": outcome.ok,
        "findings": outcome.findings,
        "header": outcome.header,
        "verdict": outcome.verdict,
        "document": outcome.document,
    }
    for name in _LINES:
        data[name] = list(getattr(outcome, name))
    data["warnings"] = [list(warned) for warned in outcome.warnings]
    return data


def outcome_from(data: Mapping[str, Any]) -> Outcome:
    lines = {name: tuple(str(line) for line in data[name]) for name in _LINES}
    warnings = tuple(
        Warned(str(text), str(path), int(line)) for text, path, line in data["warnings"]
    )
    return Outcome(
        ok=bool(data["ok"]),
        findings=int(data["findings"]),
        header=str(data["header"]),
        verdict=str(data["verdict"]),
        document=dict(data["document"]),
        warnings=warnings,
        **lines,
    )


def sources_data(sources: Sequence[Source]) -> list[Any] | None:
    """The sources as JSON-ready data; ``None`` when an entry would not read back as it is
    (``packaging`` writes some markers in a form it does not read)."""
    data: list[Any] = []
    for source in sources:
        entries = [_entry_data(entry) for entry in source.entries]
        elsewhere = [_entry_data(entry) for entry in source.elsewhere]
        if None in entries or None in elsewhere or source.problem is not None:
            return None
        rule = source.requires_python
        data.append(
            [
                *(str(source.path), source.format, entries),
                *(None if rule is None else str(rule), source.requires_python_line),
                *(source.compiled, elsewhere),
            ]
        )
    return data


def sources_from(data: Any) -> tuple[Source, ...]:
    from packaging.specifiers import SpecifierSet

    from pytest_deppolicy.sources.records import Source

    paths: dict[str, Path] = {}
    sources = []
    for path, format_, entries, rule, rule_line, compiled, elsewhere in data:
        if not (type(path) is type(format_) is str and type(compiled) is bool):
            raise TypeError("not a source")
        if not (rule is None or type(rule) is str) or not (
            rule_line is None or type(rule_line) is int
        ):
            raise TypeError("not a source")
        sources.append(
            Source(
                path=Path(path),
                format=format_,
                entries=tuple(_entry_from(entry, paths) for entry in entries),
                requires_python=None if rule is None else SpecifierSet(rule),
                requires_python_line=rule_line,
                compiled=compiled,
                elsewhere=tuple(_entry_from(entry, paths) for entry in elsewhere),
            )
        )
    return tuple(sources)


def declarations_data(declarations: Mapping[Path, Declaration]) -> list[Any] | None:
    """What the project declares beside each lock, as JSON-ready data; ``None`` when an
    entry would not read back as it is."""
    data: list[Any] = []
    for path, declaration in declarations.items():
        entries = [_entry_data(entry) for entry in declaration.requirements]
        if None in entries:
            return None
        data.append([str(path), entries, declaration.relock])
    return data


def declarations_from(data: Any) -> dict[Path, Declaration]:
    from pytest_deppolicy.policy import Declaration

    paths: dict[str, Path] = {}
    found: dict[Path, Declaration] = {}
    for path, entries, relock in data:
        if not (type(path) is type(relock) is str) or type(entries) is not list:
            raise TypeError("not a declaration")
        found[Path(path)] = Declaration(tuple(_entry_from(e, paths) for e in entries), relock)
    return found


def _entry_data(entry: Entry) -> list[Any] | None:
    marker = None if entry.marker is None else str(entry.marker)
    if marker is not None and not _reads_back(marker):
        return None
    local_path = None if entry.local_path is None else str(entry.local_path)
    return [
        *(entry.name, str(entry.source), entry.line, entry.text, str(entry.specifier)),
        *(sorted(entry.extras), marker, entry.url, local_path),
        *(entry.editable, entry.constraint, list(entry.hashes), list(entry.variants)),
    ]


def _entry_from(data: Any, paths: dict[str, Path]) -> Entry:
    """The entry :func:`_entry_data` wrote; ``paths`` shares one Path per source file."""
    from packaging.specifiers import SpecifierSet

    from pytest_deppolicy.sources.records import Entry

    name, source, line, text, specifier, extras, marker, url, local_path, *flags = data
    editable, constraint, hashes, variants = flags
    if not (
        _optional_str(name, marker, url, local_path)
        and type(extras) is list
        and type(hashes) is list
        and type(variants) is list
        and all(type(v) is str for v in (source, text, specifier, *extras, *hashes, *variants))
        and type(line) is int
        and type(editable) is bool
        and type(constraint) is bool
    ):
        raise TypeError("not an entry")
    _versions(variants)  # a checker compares them as versions
    return Entry(
        name=cast("NormalizedName | None", name),
        source=paths.get(source) or paths.setdefault(source, Path(source)),
        line=line,
        text=text,
        specifier=SpecifierSet(specifier),
        extras=frozenset(extras),
        marker=None if marker is None else _marker(marker),
        url=url,
        local_path=None if local_path is None else Path(local_path),
        editable=editable,
        constraint=constraint,
        hashes=tuple(hashes),
        variants=tuple(variants),
    )


def _versions(texts: list[str]) -> None:
    from packaging.version import Version

    for text in texts:
        Version(text)  # InvalidVersion is a ValueError: the stored sources are not used


def _optional_str(*values: object) -> bool:
    return all(value is None or type(value) is str for value in values)


def _marker(text: str) -> Marker:
    from packaging.markers import Marker

    return Marker(text)


def _reads_back(marker: str) -> bool:
    from packaging.markers import InvalidMarker

    try:
        return str(_marker(marker)) == marker
    except (InvalidMarker, SyntaxError):  # packaging 22 reads values with ast.literal_eval
        return False
