"""Permission names live in `remediation/permissions.py` only: product code names them through its constants.

A literal `"app_label.codename"` permission elsewhere in product code (migrations, which freeze history, and templates,
which cannot import, aside) fails here, and so does a constant that names no permission once every migration ran.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission

from remediation import permissions
from remediation.models import ProductPermission

ROOT = Path(__file__).resolve().parent.parent
PRODUCT_APPS = ("remediation", "alerts", "runbooks", "ai", "terminal", "config")
HOME = ROOT / "remediation" / "permissions.py"
# What a permission name looks like: an app label, a dot, a codename. Model permissions are recognised by their verb
# even when no such permission exists (a typo is a literal too); custom ones by existing.
SHAPE = re.compile(r"^[a-z_]+\.[a-z0-9_]+$")
MODEL_VERB = re.compile(r"^[a-z_]+\.(view|add|change|delete)_[a-z0-9]+$")


def existing_permissions() -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.select_related("content_type")}


def constants() -> dict[str, str]:
    return {name: value for name, value in vars(permissions).items() if name.isupper() and isinstance(value, str)}


def permission_literals(source: str, filename: str, known: set[str]) -> Iterable[tuple[int, str]]:
    """(line, text) of every string literal in `source` that is a permission name."""
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SHAPE.match(node.value):
            if node.value in known or MODEL_VERB.match(node.value):
                yield node.lineno, node.value


def product_modules() -> Iterable[Path]:
    for app in PRODUCT_APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts and path != HOME:
                yield path


@pytest.mark.django_db
def test_product_code_names_permissions_only_through_the_constants() -> None:
    known = existing_permissions()
    found = [
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for path in product_modules()
        for line, text in permission_literals(path.read_text(), str(path), known)
    ]
    assert found == [], "use the constants of remediation/permissions.py:\n" + "\n".join(found)


@pytest.mark.django_db
def test_the_scan_finds_a_literal_and_leaves_other_dotted_names() -> None:
    known = existing_permissions()
    source = (
        'user.has_perm("remediation.approve_execution")\n'
        'CHECK = "alerts.change_rule"\n'
        'TYPO = "runbooks.view_runbok"\n'
        'jobs = "runbooks.reap_expired_leases"\n'
        'model = "alerts.rule"\n'
        "user.has_perm(APPROVE_EXECUTION)\n"
    )
    assert sorted(permission_literals(source, "example.py", known)) == [
        (1, "remediation.approve_execution"),
        (2, "alerts.change_rule"),
        (3, "runbooks.view_runbok"),
    ]


@pytest.mark.django_db
def test_every_constant_names_a_permission_that_exists_after_migrate() -> None:
    known = existing_permissions()
    # Every product-wide permission (the ones with no model of their own) is checked somewhere, so has its constant.
    product_wide = {f"remediation.{codename}" for codename, _ in ProductPermission._meta.permissions}
    assert product_wide <= set(constants().values())
    missing = {name: value for name, value in constants().items() if value not in known}
    assert missing == {}


def test_no_two_constants_name_the_same_permission() -> None:
    values = list(constants().values())
    assert len(values) == len(set(values))
