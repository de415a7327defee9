"""Pulumi.yaml and the README's configuration table are generated from the schema; no drift."""

from pathlib import Path

import yaml

from components.schema import KEYS
from tools import gen_config

ROOT = Path(__file__).resolve().parent.parent


def test_pulumi_yaml_matches_the_schema():
    assert (ROOT / "Pulumi.yaml").read_text() == gen_config.project_file(), "run `make docs`"


def test_readme_table_matches_the_schema():
    readme = (ROOT / "README.md").read_text()
    assert readme == gen_config.readme_with_table(readme), "run `make docs`"


def test_every_key_is_declared_with_type_description_and_default_unless_required():
    declared = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    assert list(declared) == [key.name for key in KEYS]
    for key in KEYS:
        assert declared[key.name]["type"] == key.type
        assert declared[key.name]["description"]
        assert ("default" in declared[key.name]) is not key.required, key.name


def test_stack_files_use_only_declared_keys():
    names = {key.name for key in KEYS}
    for path in ROOT.glob("Pulumi.*.yaml"):
        keys = yaml.safe_load(path.read_text())["config"]
        project_keys = {k.split(":", 1)[1] for k in keys if k.startswith("rbac-cost-center:")}
        assert project_keys <= names, path.name
