"""Parsing and validating workflow YAML: schema, references, cycles and CEL, all before anything is
stored, so an invalid file changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import celpy
import jsonschema
import yaml
from celpy.celparser import CELParseError

from app.core.errors import InvalidInput
from app.workflows.models import WorkflowDef

SCHEMA_PATH = Path(__file__).with_name("workflow.schema.json")
MAX_YAML_BYTES = 256 * 1024


class WorkflowInvalid(InvalidInput):
    """A definition that fails validation; ``problems`` lists every reason found."""

    code = "WORKFLOW_INVALID"
    http_status = 422

    def __init__(self, problems: list[str]) -> None:
        super().__init__(
            "invalid workflow: " + "; ".join(problems), hint="see app/workflows/workflow.schema.json"
        )
        self.problems = problems


@cache
def json_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text())


@cache
def _cel() -> celpy.Environment:
    return celpy.Environment()


def compile_condition(expression: str) -> Any:
    """A CEL program; raises ValueError with the parser's message (never evaluates anything)."""
    env = _cel()
    try:
        return env.program(env.compile(expression))
    except CELParseError as error:
        raise ValueError(" ".join(str(error).split())) from None


def evaluate_condition(expression: str, activation: dict[str, Any]) -> bool:
    """A CEL condition over ``event``, ``context`` and ``steps``; anything but a true bool is false,
    and an evaluation error (e.g. a missing field) raises ValueError with CEL's message."""
    program = _compiled(expression)
    try:
        result = program.evaluate({key: celpy.json_to_cel(value) for key, value in activation.items()})
    except celpy.CELEvalError as error:
        result = error
    except (TypeError, ValueError, KeyError, ArithmeticError) as error:
        raise ValueError(f"{type(error).__name__}: {error}") from None
    if isinstance(result, celpy.CELEvalError):
        message = result.args[0] if result.args else str(result)
        raise ValueError(str(message)[:300])
    return bool(result is True or (isinstance(result, celpy.celtypes.BoolType) and bool(result)))


@cache
def _compiled(expression: str) -> Any:
    return compile_condition(expression)


def load_yaml(text: str) -> Any:
    if len(text.encode()) > MAX_YAML_BYTES:
        raise WorkflowInvalid([f"the file is larger than {MAX_YAML_BYTES} bytes"])
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise WorkflowInvalid([f"not valid YAML: {' '.join(str(error).split())}"]) from None


def _cycle(steps: Iterable[Any]) -> list[str] | None:
    """One dependency cycle as a path of step ids, or None (depth-first search)."""
    needs = {step.id: list(step.needs) for step in steps}
    state: dict[str, int] = {}  # 1 visiting, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for dep in needs.get(node, []):
            if state.get(dep) == 1:
                return [*path[path.index(dep) :], dep]
            if state.get(dep) is None and dep in needs:
                found = visit(dep)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in needs:
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def parse(document: Any, *, known_agents: set[str]) -> WorkflowDef:
    """A validated definition from a YAML text or an already-parsed mapping; every problem found
    is reported at once."""
    data = load_yaml(document) if isinstance(document, str) else document
    if not isinstance(data, dict):
        raise WorkflowInvalid(["the document must be a mapping with `name` and `steps`"])
    validator = jsonschema.Draft202012Validator(json_schema())
    schema_errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if schema_errors:
        raise WorkflowInvalid(
            [f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}" for e in schema_errors]
        )
    workflow = WorkflowDef.model_validate(data)
    problems: list[str] = []
    ids = [step.id for step in workflow.steps]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        problems.append(f"duplicate step ids: {', '.join(duplicates)}")
    for step in workflow.steps:
        if step.agent not in known_agents:
            problems.append(
                f"step {step.id}: unknown agent {step.agent!r} (known: {', '.join(sorted(known_agents))})"
            )
        for dep in step.needs:
            if dep not in ids:
                problems.append(f"step {step.id}: needs unknown step {dep!r}")
            if dep == step.id:
                problems.append(f"step {step.id}: needs itself")
        if step.condition is not None:
            try:
                compile_condition(step.condition)
            except ValueError as error:
                problems.append(f"step {step.id}: bad CEL condition: {error}")
    if workflow.trigger and workflow.trigger.condition is not None:
        try:
            compile_condition(workflow.trigger.condition)
        except ValueError as error:
            problems.append(f"trigger: bad CEL condition: {error}")
    cycle = _cycle(workflow.steps)
    if cycle:
        problems.append(f"dependency cycle: {' -> '.join(cycle)}")
    if problems:
        raise WorkflowInvalid(problems)
    return workflow


def ready_steps(workflow: WorkflowDef, recorded: set[str]) -> list[str]:
    """Steps not yet recorded whose every dependency is recorded: what may be queued now."""
    return [
        step.id
        for step in workflow.steps
        if step.id not in recorded and all(dep in recorded for dep in step.needs)
    ]
