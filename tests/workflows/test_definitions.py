"""Workflow YAML validation: the JSON Schema, agent names, cycles and CEL, with every problem named
and nothing stored on error (CLI and flows)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from app.core.errors import NotFound
from app.workflows.definitions import WorkflowInvalid, evaluate_condition, json_schema, parse
from app.workflows.flows import WorkflowRuntime, apply_workflow

AGENTS = {"linter", "test-runner", "security-scan", "graph-review"}
ROOT = Path(__file__).resolve().parents[2]
HUB = str(Path(sys.executable).with_name("hub"))


def problems(document: object) -> list[str]:
    with pytest.raises(WorkflowInvalid) as caught:
        parse(document, known_agents=AGENTS)
    return caught.value.problems


def test_the_shipped_example_is_valid_and_shaped_as_documented():
    workflow = parse((ROOT / "workflows" / "ci-pipeline.yaml").read_text(), known_agents=AGENTS)
    needs = {step.id: step.needs for step in workflow.steps}
    assert needs == {"lint": [], "tests": ["lint"], "security": ["lint"], "review": ["tests", "security"]}
    assert workflow.trigger is not None and workflow.trigger.event == "hub.*.code.pushed"


def test_schema_errors_name_the_field():
    found = problems("name: Bad Name\nsteps: []\n")
    assert any(p.startswith("name:") for p in found) and any(p.startswith("steps:") for p in found)
    assert any(
        "on_fail" in p
        for p in problems({"name": "x", "steps": [{"id": "a", "agent": "linter", "on_fail": "explode"}]})
    )
    assert any(
        "additional" in p.lower()
        for p in problems({"name": "x", "steps": [{"id": "a", "agent": "linter", "run": "rm -rf /"}]})
    )


def test_invalid_yaml_is_reported_with_its_position():
    (found,) = problems("name: x\nsteps: [\n")
    assert found.startswith("not valid YAML") and "line" in found


def test_unknown_agent_missing_need_and_duplicate_ids():
    found = problems(
        {
            "name": "x",
            "steps": [
                {"id": "a", "agent": "no-such-agent"},
                {"id": "b", "agent": "linter", "needs": ["zzz"]},
                {"id": "b", "agent": "linter"},
            ],
        }
    )
    assert any("unknown agent 'no-such-agent'" in p for p in found)
    assert any("needs unknown step 'zzz'" in p for p in found)
    assert any("duplicate step ids: b" in p for p in found)


def test_cycles_are_shown_as_a_path():
    found = problems(
        {
            "name": "x",
            "steps": [
                {"id": "a", "agent": "linter", "needs": ["c"]},
                {"id": "b", "agent": "linter", "needs": ["a"]},
                {"id": "c", "agent": "linter", "needs": ["b"]},
            ],
        }
    )
    assert found == ["dependency cycle: a -> c -> b -> a"]


def test_bad_cel_is_rejected_before_anything_runs():
    found = problems(
        {
            "name": "x",
            "trigger": {"event": "hub.*.code.pushed", "condition": "event.data.ref =="},
            "steps": [{"id": "a", "agent": "linter", "condition": "steps.(a"}],
        }
    )
    assert any(p.startswith("step a: bad CEL condition") for p in found)
    assert any(p.startswith("trigger: bad CEL condition") for p in found)


def test_cel_never_evaluates_python():
    with pytest.raises(ValueError):
        evaluate_condition('__import__("os").system("true")', {"event": {}})
    assert evaluate_condition("size(event.files) > 1", {"event": {"files": ["a", "b"]}}) is True


def test_the_published_schema_is_a_draft_2020_12_schema():
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(json_schema())


async def test_cli_apply_of_an_invalid_file_fails_clearly_and_stores_nothing(
    runtime: WorkflowRuntime, tmp_path
):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        yaml.safe_dump(
            {
                "name": "never-stored",
                "steps": [
                    {"id": "a", "agent": "linter", "needs": ["b"]},
                    {"id": "b", "agent": "ghost", "needs": ["a"]},
                ],
            }
        )
    )
    done = subprocess.run(
        [HUB, "workflow", "apply", str(bad)], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 1
    assert "unknown agent 'ghost'" in done.stderr and "dependency cycle" in done.stderr
    with pytest.raises(NotFound):
        await runtime.engine.store.get_definition("never-stored")
    # and a valid file is applied by the same command
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump({"name": "stored", "steps": [{"id": "a", "agent": "echo"}]}))
    done = subprocess.run(
        [HUB, "workflow", "apply", str(good)], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert (await runtime.engine.store.get_definition("stored")).steps[0].agent == "echo"


async def test_flows_apply_rejects_before_touching_the_store(runtime: WorkflowRuntime):
    with pytest.raises(WorkflowInvalid):
        await apply_workflow(
            runtime, {"name": "half", "steps": [{"id": "a", "agent": "echo", "condition": "(("}]}
        )
    with pytest.raises(NotFound):
        await runtime.engine.store.get_definition("half")
