"""Generated UBL documents pass the official Peppol BIS 3.0 validation.

`peppol-validate` (shared/tools/peppol, next to the repository) checks the UBL
2.1 schema and both official Schematron rule sets. All documents, valid and
deliberately broken, go through ONE run (about 1 s warm): the broken ones prove
the tool really rejects what it should, in the same run.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from invoicing.adapters.documents import samples
from invoicing.adapters.documents.ubl import render_ubl

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


class ValidatorUnavailable(Exception):
    """The validator cannot be found or run: the tests must fail, not skip."""


def _repo_root() -> Path:
    for folder in Path(__file__).resolve().parents:
        if (folder / ".git").exists():
            return folder
    raise ValidatorUnavailable(f"no repository root (a folder with .git) above {__file__}")


def _origin_root(repo: Path) -> Path | None:
    """The checkout this one was cloned from, when it is a folder on this machine (a CI clone in a
    temporary folder has the reference material beside its origin, not beside itself)."""
    found = subprocess.run(["git", "-C", str(repo), "config", "--get", "remote.origin.url"],
                           capture_output=True, text=True, check=False).stdout.strip()
    origin = Path(found.removeprefix("file://")) if found else None
    return origin.resolve() if origin is not None and origin.is_dir() else None


def _validator() -> Path:
    override = os.environ.get("PEPPOL_VALIDATE")
    if override:
        candidates = [Path(override)]
    else:
        repo = _repo_root()
        roots = [repo, *([origin] if (origin := _origin_root(repo)) is not None else [])]
        candidates = [root.parent / "shared" / "tools" / "peppol" / "peppol-validate" for root in roots]
    for tool in candidates:
        if tool.is_file() and os.access(tool, os.X_OK):
            return tool
    raise ValidatorUnavailable(
        f"Peppol validator not found or not executable at {', '.join(map(str, candidates))}. It ships in "
        "shared/tools/peppol/ next to the repository; set PEPPOL_VALIDATE to its path to use another copy."
    )


def _tampered_totals(root: Any) -> None:
    payable = root.find("cac:LegalMonetaryTotal/cbc:PayableAmount", NS)
    payable.text = "2029.77"  # 100 more than tax inclusive - prepaid


def _removed_reverse_charge_reason(root: Any) -> None:
    category = root.find("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory", NS)
    for name in ("cbc:TaxExemptionReasonCode", "cbc:TaxExemptionReason"):
        category.remove(category.find(name, NS))


def _issue_date_before_id(root: Any) -> None:
    root.find("cbc:ID", NS).addprevious(root.find("cbc:IssueDate", NS))


@dataclass(frozen=True)
class Broken:
    sample: str
    damage: Callable[[Any], None]
    expected_rule: str


BROKEN = {
    "broken-totals.xml": Broken("domestic-invoice", _tampered_totals, "BR-CO-16"),
    "broken-reverse-charge.xml": Broken("reverse-charge-invoice", _removed_reverse_charge_reason, "BR-AE-10"),
    "broken-order.xml": Broken("reverse-charge-invoice", _issue_date_before_id, "UBL-XSD"),
}
VALID = {f"{name}.xml": name for name in samples.SAMPLES}


@dataclass(frozen=True)
class Run:
    returncode: int
    output: str
    results: dict[str, tuple[str, list[str]]]  # file -> (OK/FAIL/ERROR, problem lines)
    unavailable: str | None = None

    def checked(self) -> Run:
        """Fail (never skip) the calling test when the validator could not run."""
        if self.unavailable is not None:
            pytest.fail(self.unavailable)
        return self


def _parse_report(stdout: str) -> dict[str, tuple[str, list[str]]]:
    results: dict[str, tuple[str, list[str]]] = {}
    current = ""
    for line in stdout.splitlines():
        if line.startswith("  ") and current:
            results[current][1].append(line.strip())
        elif line.split(" ", 1)[0] in ("OK", "FAIL", "ERROR"):
            status, current = line.split(" ", 1)
            results[current] = (status, [])
    return results


@pytest.fixture(scope="module")
def validation(tmp_path_factory: pytest.TempPathFactory) -> Run:
    try:
        return _validate_all(tmp_path_factory.mktemp("peppol"))
    except ValidatorUnavailable as problem:
        return Run(returncode=-1, output="", results={}, unavailable=str(problem))


def _validate_all(folder: Path) -> Run:
    tool = _validator()
    for file_name, sample in VALID.items():
        (folder / file_name).write_bytes(render_ubl(samples.SAMPLES[sample]()))
    for file_name, broken in BROKEN.items():
        root = etree.fromstring(render_ubl(samples.SAMPLES[broken.sample]()))
        broken.damage(root)
        (folder / file_name).write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    names = sorted([*VALID, *BROKEN])
    # The first run on a machine builds the tool's cache (about 10 s, needs PyPI).
    done = subprocess.run([str(tool), *names], cwd=folder, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode not in (0, 1):
        raise ValidatorUnavailable(
            f"peppol-validate could not run (exit {done.returncode}):\n{done.stdout}{done.stderr}"
        )
    return Run(done.returncode, done.stdout, _parse_report(done.stdout))


@pytest.mark.parametrize("file_name", sorted(VALID))
def test_generated_document_is_valid_peppol_bis_3(validation: Run, file_name: str) -> None:
    status, problems = validation.checked().results[file_name]
    # Warnings are not tolerated either: the documents are meant to be clean.
    assert (status, problems) == ("OK", []), validation.output


@pytest.mark.parametrize("file_name", sorted(BROKEN))
def test_broken_document_is_rejected_with_the_expected_rule(validation: Run, file_name: str) -> None:
    status, problems = validation.checked().results[file_name]
    assert status == "FAIL", validation.output
    expected = BROKEN[file_name].expected_rule
    assert any(problem.startswith(f"fatal {expected}:") for problem in problems), validation.output


def test_the_run_reports_every_file_and_fails_only_for_the_broken_ones(validation: Run) -> None:
    assert set(validation.checked().results) == {*VALID, *BROKEN}, validation.output
    assert validation.returncode == 1
    assert {name for name, (status, _) in validation.results.items() if status != "OK"} == set(BROKEN)
