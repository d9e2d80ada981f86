// Actions on work and runtime nodes in the detail panel: a Task's status, a Service's health check.
import { useState } from "react";
import { checkService, TASK_STATUSES, updateTaskStatus, type ServiceCheck } from "./api";

// Result colours: the shared .action-result style is for neutral outcomes.
const HEALTH_COLOURS: Record<string, string> = { up: "#4ade80", degraded: "#fbbf24", down: "#f87171" };

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function TaskStatusControl({ id, initial }: { id: string; initial: string | null }) {
  const [status, setStatus] = useState<string | null>(initial);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<string | null>(null);
  const change = async (next: string) => {
    setBusy(true);
    setResult(`status: saving ${next}…`);
    try {
      const saved = await updateTaskStatus(id, next);
      setStatus(saved.status);
      setResult(`status: ${saved.status}`);
    } catch (e) { setResult(`status change failed: ${message(e)}`); }
    finally { setBusy(false); }
  };
  return (
    <div className="task-status">
      <label>status{" "}
        <select data-testid="task-status" value={status ?? ""} disabled={busy} onChange={(e) => void change(e.target.value)}>
          {status === null && <option value="">—</option>}
          {TASK_STATUSES.map((s) => <option key={s} value={s}>{s.replace("_", " ")}</option>)}
        </select>
      </label>
      {result && <p className="action-result" role="status" data-testid="task-status-result">{result}</p>}
    </div>
  );
}

export function ServiceHealthControl({ id, health }: { id: string; health: string | null }) {
  const [check, setCheck] = useState<ServiceCheck | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try { setCheck(await checkService(id)); }
    catch (e) { setError(`health check failed: ${message(e)}`); setCheck(null); }
    finally { setBusy(false); }
  };
  return (
    <div className="service-health">
      <button data-testid="action-health-check" disabled={busy} onClick={() => void run()}>{busy ? "Checking…" : "Health check"}</button>
      {!check && !error && <p className="muted">health: {health ?? "unknown"}</p>}
      {error && <p className="error" role="alert" data-testid="health-result">{error}</p>}
      {check && (
        <p className={`action-result health-${check.result}`} role="status" data-testid="health-result">
          <b data-testid="health-status" style={{ color: HEALTH_COLOURS[check.result] }}>{check.result}</b>
          {" · "}{check.statusCode != null ? `HTTP ${check.statusCode}` : check.error ?? "no answer"}
          {" · "}{check.latencyMs.toFixed(1)} ms
          {" · "}service health: <span data-testid="service-health">{check.service.health}</span>
        </p>
      )}
    </div>
  );
}
