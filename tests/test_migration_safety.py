"""Zero-downtime migrations (deploy/OPERATIONS.md, "Migrations"): a migration runs while the
previous release still serves, so it may neither rewrite nor long-lock a table that holds data,
nor remove or rename what the previous release reads. Every migration after ``BASELINE`` is read
(its Python syntax tree, and the SQL of its ``op.execute`` calls) for the operations below; one
that must do such a thing anyway is listed in ``ALLOWED`` with its reason.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from service.cli import ROOT

# Migrations up to this one ran before the rules (on databases of a few thousand rows).
BASELINE = 18
MIGRATIONS = ROOT / "migrations" / "versions"

# (revision, finding) -> why it is acceptable there.
ALLOWED: dict[tuple[str, str], str] = {
    # New tables and their indexes: nothing reads or writes them before the release that brings them.
    ("0019", "index built without CONCURRENTLY"): (
        "the indexes are on applicants' (email, test) and (phone, test): rebuilt in the release that"
        " adds the sandbox, on the few thousand applicants a lender has; a national network runs it"
        " with CREATE INDEX CONCURRENTLY by hand first (deploy/OPERATIONS.md)"
    ),
    ("0020", "column type change"): (
        "applicants.postal_address VARCHAR(500) -> TEXT for its ciphertext: a binary-compatible"
        " widening, which PostgreSQL does without a rewrite"
    ),
    ("0020", "constraint validated at once (add it NOT VALID, validate apart)"): (
        "ck_applicants_contact is relaxed (an erased person has no contact left): every existing row"
        " already passes the looser rule, and applicants is small"
    ),
    ("0023", "column or table removed or renamed"): (
        "loan_events.document (the API JSON stored in the events) is dropped in the release whose code"
        " stops reading it; its content moved to loan_statement_entries in the same migration"
    ),
}

# Plain SQL (op.execute) that blocks or rewrites: (name, pattern).
_SQL_RULES = [
    ("column type change", r"ALTER\s+TABLE\s+.*ALTER\s+COLUMN\s+\w+\s+(SET\s+DATA\s+)?TYPE\b"),
    ("SET NOT NULL (scans the table under an exclusive lock)", r"ALTER\s+COLUMN\s+\w+\s+SET\s+NOT\s+NULL"),
    ("index built without CONCURRENTLY", r"CREATE\s+(UNIQUE\s+)?INDEX\s+(?!CONCURRENTLY)"),
    ("NOT NULL column without a default", r"ADD\s+COLUMN\s+(?:(?!DEFAULT).)*NOT\s+NULL(?:(?!DEFAULT).)*$"),
    ("constraint validated at once (add it NOT VALID, validate apart)", r"ADD\s+CONSTRAINT(?:(?!NOT\s+VALID).)*$"),
    ("table rewrite", r"\b(VACUUM\s+FULL|CLUSTER)\b"),
    ("explicit table lock", r"\bLOCK\s+TABLE\b"),
    ("column or table removed or renamed", r"\b(DROP\s+COLUMN|RENAME\s+(COLUMN|TO)|DROP\s+TABLE)\b"),
]


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _text(node: ast.expr) -> str | None:
    """The SQL of ``op.execute("...")`` or ``op.execute(sa.text("..."))``, or of a module constant."""
    if isinstance(node, ast.Call) and node.args:
        node = node.args[0]
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _column_is_not_null_without_default(column: ast.expr) -> bool:
    if not isinstance(column, ast.Call):
        return False
    nullable = _keyword(column, "nullable")
    not_null = isinstance(nullable, ast.Constant) and nullable.value is False
    return not_null and _keyword(column, "server_default") is None


def findings(source: str) -> list[str]:
    """What in a migration's ``upgrade`` would rewrite or long-lock a table that holds data, or
    break the release still running."""
    tree = ast.parse(source)
    constants = {
        target.id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    upgrade = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "upgrade")
    calls = [
        (n, n.func.attr) for n in ast.walk(upgrade) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
    ]
    created = {
        c.args[0].value for c, op in calls if op == "create_table" and c.args and isinstance(c.args[0], ast.Constant)
    }

    def on_new_table(call: ast.Call, position: int) -> bool:
        table = call.args[position] if len(call.args) > position else _keyword(call, "table_name")
        return isinstance(table, ast.Constant) and table.value in created

    found: list[str] = []
    for call, op in calls:
        if op == "alter_column" and not on_new_table(call, 0):
            if _keyword(call, "type_") is not None:
                found.append("column type change")
            nullable = _keyword(call, "nullable")
            if isinstance(nullable, ast.Constant) and nullable.value is False:
                found.append("SET NOT NULL (scans the table under an exclusive lock)")
            if _keyword(call, "new_column_name") is not None:
                found.append("column or table removed or renamed")
        elif op == "add_column" and len(call.args) > 1 and _column_is_not_null_without_default(call.args[1]):
            found.append("NOT NULL column without a default")
        elif (
            op == "create_index"
            and not on_new_table(call, 1)
            and not _is_true(_keyword(call, "postgresql_concurrently"))
        ):
            found.append("index built without CONCURRENTLY")
        elif op in {"create_foreign_key", "create_check_constraint"} and not on_new_table(call, 1):
            if not _is_true(_keyword(call, "postgresql_not_valid")):
                found.append("constraint validated at once (add it NOT VALID, validate apart)")
        elif op in {"drop_column", "drop_table", "rename_table"}:
            found.append("column or table removed or renamed")
        elif op == "execute" and call.args:
            argument = call.args[0]
            sql = constants.get(argument.id) if isinstance(argument, ast.Name) else argument
            statement = _text(sql) if isinstance(sql, ast.expr) else None
            for name, pattern in _SQL_RULES:
                if statement and re.search(pattern, statement, re.IGNORECASE | re.MULTILINE | re.DOTALL):
                    found.append(name)
    return found


def new_migrations() -> list[Path]:
    return sorted(p for p in MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.py") if int(p.name[:4]) > BASELINE)


@pytest.mark.parametrize("path", new_migrations(), ids=lambda p: p.name)
def test_a_new_migration_neither_rewrites_nor_long_locks_a_table(path: Path) -> None:
    revision = path.name[:4]
    unexplained = [f for f in findings(path.read_text()) if (revision, f) not in ALLOWED]
    assert not unexplained, f"{path.name}: {unexplained} (deploy/OPERATIONS.md says how; or allow it with a reason)"


def test_every_allowance_is_still_needed() -> None:
    present = {(p.name[:4], f) for p in new_migrations() for f in findings(p.read_text())}
    assert set(ALLOWED) <= present


_HEADER = "import sqlalchemy as sa\nfrom alembic import op\n\n"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("op.alter_column('loans', 'status', type_=sa.Text())", "column type change"),
        ("op.alter_column('loans', 'note', nullable=False)", "SET NOT NULL (scans the table under an exclusive lock)"),
        ("op.add_column('loans', sa.Column('x', sa.Integer(), nullable=False))", "NOT NULL column without a default"),
        ("op.create_index('ix', 'loans', ['officer_id'])", "index built without CONCURRENTLY"),
        (
            "op.create_foreign_key('fk', 'loans', 'products', ['p'], ['id'])",
            "constraint validated at once (add it NOT VALID, validate apart)",
        ),
        ("op.drop_column('loans', 'note')", "column or table removed or renamed"),
        ("op.execute('CREATE INDEX ix ON loans (officer_id)')", "index built without CONCURRENTLY"),
        ("op.execute(sa.text('ALTER TABLE loans ALTER COLUMN status TYPE text'))", "column type change"),
        ("op.execute('ALTER TABLE loans ADD COLUMN x int NOT NULL')", "NOT NULL column without a default"),
        ("op.execute(SQL)\nSQL = 'VACUUM FULL loans'", "table rewrite"),
    ],
)
def test_each_rule_catches_its_operation(body: str, expected: str) -> None:
    code, _, constant = body.partition("\n")
    source = f"{_HEADER}{constant}\n\ndef upgrade() -> None:\n    {code}\n"
    assert expected in findings(source)


@pytest.mark.parametrize(
    "body",
    [
        "op.create_index('ix', 'loans', ['officer_id'], postgresql_concurrently=True)",
        "op.add_column('loans', sa.Column('x', sa.Integer(), nullable=False, server_default='0'))",
        "op.add_column('loans', sa.Column('x', sa.Integer(), nullable=True))",
        "op.create_table('t', sa.Column('id', sa.Integer()))\n    op.create_index('ix', 't', ['id'])",
        "op.execute('CREATE INDEX CONCURRENTLY ix ON loans (officer_id)')",
        "op.execute('ALTER TABLE loans ADD COLUMN x int NOT NULL DEFAULT 0')",
        "op.execute('ALTER TABLE loans ADD CONSTRAINT c CHECK (x > 0) NOT VALID')",
    ],
)
def test_the_safe_ways_pass(body: str) -> None:
    assert findings(f"{_HEADER}def upgrade() -> None:\n    {body}\n") == []
