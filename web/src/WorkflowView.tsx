// The workflow view (issue 14): a workflow's steps as a DAG coloured by status, live while an
// execution runs (the `workflowLogs` subscription, with a re-read of the execution as it settles
// and a slow poll as a safety net); the selected step's log lines and findings (each finding opens
// its file in the project view); the workflow's executions, newest first; a Run button.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ApiError, fetchProjects, type ViewProject } from "./api";
import type { UrlState } from "./urlstate";
import {
  fetchExecution, fetchHistory, fetchWorkflows, followLogs, runWorkflow,
  type Execution, type ExecutionSummary, type LogLine, type StepStatus, type Workflow, type WorkflowFinding,
} from "./workflowApi";
import { advance, durationText, fileFocus, layoutDag, NODE_HEIGHT, NODE_WIDTH, STATUS_COLORS } from "./workflowDag";

interface Props { state: UrlState; update(patch: Partial<UrlState>, push?: boolean): void }

const POLL_MS = 3000; // while an execution runs, in case a (non-durable) log line was missed
const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);

export default function WorkflowView({ state, update }: Props) {
  const [workflows, setWorkflows] = useState<Workflow[] | null>(null);
  const [projects, setProjects] = useState<ViewProject[]>([]);
  const [error, setError] = useState<string | null>(null);
  const selected = workflows?.find((w) => w.name === state.workflow) ?? workflows?.[0] ?? null;

  useEffect(() => {
    fetchWorkflows().then(setWorkflows, (e: ApiError) => setError(e.message));
    fetchProjects().then(setProjects, () => setProjects([]));
  }, []);

  if (error) return <div className="state error" role="alert">Cannot load workflows: {error}</div>;
  if (!workflows) return <div className="state" aria-busy="true">Loading workflows…</div>;
  if (!workflows.length)
    return <div className="state">No workflow yet. Apply one: <code>hub workflow apply workflows/ci-pipeline.yaml</code></div>;
  return (
    <main className="wf" data-testid="workflow-view">
      <nav className="wf-list" aria-label="workflows">
        <h2>Workflows</h2>
        <ul>
          {workflows.map((w) => (
            <li key={w.name}>
              <button className={w.name === selected?.name ? "on" : ""} data-workflow={w.name}
                onClick={() => update({ workflow: w.name, execution: null, step: null }, true)}>{w.name}</button>
            </li>
          ))}
        </ul>
      </nav>
      {selected && <WorkflowPanel key={selected.name} workflow={selected} projects={projects} state={state} update={update} />}
    </main>
  );
}

function WorkflowPanel({ workflow, projects, state, update }: Props & { workflow: Workflow; projects: ViewProject[] }) {
  const [history, setHistory] = useState<ExecutionSummary[] | null>(null);
  const [execution, setExecution] = useState<Execution | null>(null);
  const [live, setLive] = useState<Record<string, StepStatus>>({});
  const [logs, setLogs] = useState<LogLine[]>([]);
  const [runProject, setRunProject] = useState<string>("");
  const [problem, setProblem] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const executionId = state.execution ?? history?.[0]?.id ?? null;

  const loadHistory = useCallback(() => {
    fetchHistory(workflow.name).then(setHistory, (e: ApiError) => setProblem(e.message));
  }, [workflow.name]);
  useEffect(loadHistory, [loadHistory]);

  // The project a run checks: the shown execution's, else the first one.
  useEffect(() => {
    const data = (execution?.event?.data ?? {}) as Record<string, unknown>;
    const fromEvent = typeof data.project === "string" ? data.project : null;
    if (!runProject && (fromEvent || projects[0])) setRunProject(fromEvent ?? projects[0].id);
  }, [execution, projects, runProject]);

  // One execution, live: read it, follow its log, re-read it when a step or the execution settles.
  useEffect(() => {
    setExecution(null); setLive({}); setLogs([]);
    if (!executionId) return;
    let stopped = false;
    let timer: number | null = null;
    const reload = async () => {
      try {
        const next = await fetchExecution(executionId);
        if (stopped) return;
        setExecution(next);
        if (TERMINAL.has(next.status)) { loadHistory(); if (timer !== null) { window.clearInterval(timer); timer = null; } }
      } catch (e) { if (!stopped) setProblem(e instanceof Error ? e.message : String(e)); }
    };
    void reload();
    timer = window.setInterval(() => void reload(), POLL_MS);
    const stop = followLogs(executionId, {
      line: (l) => {
        if (stopped) return;
        setLogs((old) => (old.some((x) => x.id === l.id) ? old : [...old, l]));
        if (l.stepId && l.stepStatus) setLive((old) => ({ ...old, [l.stepId!]: advance(old[l.stepId!], l.stepStatus!) }));
        if (l.status) void reload(); // a step or the execution settled: its result, findings, times
      },
      done: () => void reload(),
      failed: () => void reload(),
    });
    return () => { stopped = true; stop(); if (timer !== null) window.clearInterval(timer); };
  }, [executionId, loadHistory]);

  const statusOf = useCallback((stepId: string): StepStatus => {
    const result = execution?.steps.find((s) => s.stepId === stepId);
    if (result) return advance(live[stepId], result.status);
    if (live[stepId]) return live[stepId];
    return execution?.status === "cancelled" ? "cancelled" : "pending";
  }, [execution, live]);

  const run = async () => {
    setRunning(true); setProblem(null);
    try {
      const id = await runWorkflow(workflow.name, runProject || null);
      update({ workflow: workflow.name, execution: id }, true);
      loadHistory();
    } catch (e) { setProblem(e instanceof Error ? e.message : String(e)); }
    finally { setRunning(false); }
  };

  // The definition the shown execution ran (a later apply does not change it), else the current one.
  const shown = execution?.workflow ?? workflow;
  const step = state.step ? shown.steps.find((s) => s.id === state.step) ?? null : null;
  const openFinding = (f: WorkflowFinding) => {
    if (!f.projectId || !f.fileId) return;
    update({ view: null, workflow: null, execution: null, step: null, project: f.projectId, mode: "graph", depth: 1, ...fileFocus(f.path, f.fileId) }, true);
  };

  return (
    <section className="wf-main">
      <div className="toolbar" role="toolbar">
        <strong>{workflow.name}</strong>
        {workflow.description && <span className="muted">{workflow.description}</span>}
        <label>project <select value={runProject} data-testid="run-project" onChange={(e) => setRunProject(e.target.value)}>
          {projects.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
        </select></label>
        <button data-testid="run-workflow" disabled={running} onClick={() => void run()}>▶ Run</button>
        {execution && <span data-testid="execution-status" data-execution={execution.id} data-status={execution.status} className={`badge ${execution.status}`}>
          {execution.status} · {durationText(execution.startedAt, execution.completedAt)}</span>}
        <span className="legend">{(Object.keys(STATUS_COLORS) as StepStatus[]).map((s) => <i key={s} style={{ color: STATUS_COLORS[s] }}>■ {s}</i>)}</span>
      </div>
      {problem && <div className="banner error" role="alert">{problem}</div>}
      <div className="wf-body">
        <div className="wf-left">
          <Dag workflow={shown} statusOf={statusOf} selected={state.step}
            onSelect={(id) => update({ step: id === state.step ? null : id })} />
          <History history={history} current={executionId} onOpen={(id) => update({ execution: id, step: state.step }, true)} />
        </div>
        <StepPanel stepId={step?.id ?? null} agent={step?.agent ?? null} status={step ? statusOf(step.id) : null}
          execution={execution} logs={logs} onFinding={openFinding} />
      </div>
    </section>
  );
}

function Dag({ workflow, statusOf, selected, onSelect }: {
  workflow: Workflow; statusOf(id: string): StepStatus; selected: string | null; onSelect(id: string): void;
}) {
  const layout = useMemo(() => layoutDag(workflow.steps), [workflow]);
  return (
    <div className="wf-dag">
      <svg width={layout.width} height={layout.height} viewBox={`0 0 ${layout.width} ${layout.height}`}
        style={{ maxWidth: "100%", height: "auto" }}
        role="group" aria-label={`${workflow.name} steps`} data-testid="workflow-dag">
        <defs>
          <marker id="wf-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" fill="#6b7280" />
          </marker>
        </defs>
        {layout.edges.map((e) => {
          const done = statusOf(e.from) === "passed";
          return <polyline key={`${e.from}>${e.to}`} data-edge={`${e.from}>${e.to}`} fill="none"
            stroke={done ? "#3fb26f" : "#4b5261"} strokeWidth={2} markerEnd="url(#wf-arrow)"
            points={e.points.map((p) => `${p.x},${p.y}`).join(" ")} />;
        })}
        {layout.nodes.map((n) => {
          const status = statusOf(n.id);
          const step = workflow.steps.find((s) => s.id === n.id)!;
          return (
            <g key={n.id} className={`wf-step ${status}${n.id === selected ? " selected" : ""}`} data-step={n.id} data-status={status}
              transform={`translate(${n.x - NODE_WIDTH / 2},${n.y - NODE_HEIGHT / 2})`} tabIndex={0} role="button"
              aria-label={`step ${n.id}: ${status}`} onClick={() => onSelect(n.id)}
              onKeyDown={(e) => { if (e.key === "Enter" || e.key === " ") onSelect(n.id); }}>
              <rect width={NODE_WIDTH} height={NODE_HEIGHT} rx={8} fill="#1d2027" stroke={STATUS_COLORS[status]}
                strokeWidth={n.id === selected ? 3.5 : 2} />
              <rect width={8} height={NODE_HEIGHT} rx={3} fill={STATUS_COLORS[status]} />
              <text x={18} y={21} className="wf-step-id">{n.id}</text>
              <text x={18} y={39} className="wf-step-meta">{stepMeta(n.agent, status, step.onFail)}</text>
              <title>{`${n.id}: ${n.agent}, ${status}; on failure: ${step.onFail}${step.condition ? `; if ${step.condition}` : ""}`}</title>
            </g>
          );
        })}
      </svg>
    </div>
  );
}

const META_CHARS = 30; // what fits in a node at 11px

// "agent · status", plus the on_fail policy when it is not the default and fits.
function stepMeta(agent: string, status: StepStatus, onFail: string): string {
  const base = `${agent} · ${status}`;
  const full = onFail !== "block" ? `${base} · ${onFail}` : base;
  return full.length <= META_CHARS ? full : base.length <= META_CHARS ? base : `${base.slice(0, META_CHARS - 1)}…`;
}

function History({ history, current, onOpen }: { history: ExecutionSummary[] | null; current: string | null; onOpen(id: string): void }) {
  return (
    <section className="wf-history">
      <h3>Executions</h3>
      {!history ? <p className="muted">Loading…</p> : !history.length ? <p className="muted">No execution yet: press Run.</p> : (
        <table className="table" data-testid="workflow-history">
          <thead><tr><th>status</th><th>started</th><th>ended</th><th>duration</th><th>id</th></tr></thead>
          <tbody>
            {history.map((h) => (
              <tr key={h.id} data-execution={h.id} data-status={h.status} tabIndex={0}
                className={`clickable${h.id === current ? " selected" : ""}`}
                onClick={() => onOpen(h.id)} onKeyDown={(e) => e.key === "Enter" && onOpen(h.id)}>
                <td><span className={`badge ${h.status}`}>{h.status}</span></td>
                <td>{new Date(h.startedAt).toLocaleString()}</td>
                <td>{h.completedAt ? new Date(h.completedAt).toLocaleTimeString() : "—"}</td>
                <td>{durationText(h.startedAt, h.completedAt)}</td>
                <td><code>{h.id.slice(0, 12)}</code></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function StepPanel({ stepId, agent, status, execution, logs, onFinding }: {
  stepId: string | null; agent: string | null; status: StepStatus | null; execution: Execution | null;
  logs: LogLine[]; onFinding(f: WorkflowFinding): void;
}) {
  const end = useRef<HTMLLIElement>(null);
  const lines = stepId ? logs.filter((l) => l.stepId === stepId) : logs;
  useEffect(() => { end.current?.scrollIntoView({ block: "nearest" }); }, [lines.length]);
  const result = stepId ? execution?.steps.find((s) => s.stepId === stepId) ?? null : null;
  const findings = (execution?.findings ?? []).filter((f) => !stepId || f.stepId === stepId);
  return (
    <aside className="detail wf-step-panel" data-testid="step-panel" aria-label="step details">
      <h2 data-testid="step-title">{stepId ? `step ${stepId}` : "execution log"}</h2>
      {stepId && <dl className="props">
        <dt>agent</dt><dd>{agent}</dd>
        <dt>status</dt><dd data-testid="step-status">{status}</dd>
        {result && <><dt>attempts</dt><dd>{result.attempts}</dd>
          <dt>duration</dt><dd>{durationText(result.startedAt, result.endedAt)}</dd>
          {typeof result.output.summary === "string" && <><dt>summary</dt><dd>{result.output.summary}</dd></>}
          {result.error && <><dt>error</dt><dd className="error">{result.error}</dd></>}</>}
      </dl>}
      {!stepId && <p className="muted">Click a step for its own lines and findings.</p>}
      <h3>Log ({lines.length})</h3>
      <ol className="wf-logs" data-testid="step-logs">
        {lines.map((l) => (
          <li key={l.id} className={l.level}><time>{new Date(l.time).toLocaleTimeString()}</time> {l.message}</li>
        ))}
        <li ref={end} aria-hidden="true" />
      </ol>
      <h3>Findings ({findings.length})</h3>
      <ul className="wf-findings" data-testid="step-findings">
        {findings.map((f) => (
          <li key={f.id} data-finding={f.id}>
            <span className={`sev ${f.severity ?? ""}`}>{f.severity}</span> <code>{f.rule}</code>{" "}
            {f.fileId && f.projectId
              ? <button className="link" data-testid="finding-link" title="open the file in the project view"
                  onClick={() => onFinding(f)}>{f.path}{f.line ? `:${f.line}` : ""}</button>
              : <span>{f.path ?? "—"}{f.line ? `:${f.line}` : ""}</span>}
            <div className="muted">{f.message}</div>
          </li>
        ))}
      </ul>
    </aside>
  );
}
