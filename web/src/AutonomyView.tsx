// The autonomy panel beside the risk heat map: the approval queue (approve / reject through the
// remediation mutations), every action with its status (shadow mode's "would have run" included),
// the timeline of predictions and actions, and the selected file's risk with its top factors.
import { useState } from "react";
import {
  approveAction, rejectAction, riskColor, RISK_LEGEND, STATUS_LABEL, NO_RISK_COLOR,
  type AutonomyData, type FileRisk, type RemediationAction,
} from "./autonomy";

interface Props {
  data: AutonomyData;
  selectedFile: string | null; // a File node's id
  onSelectFile(fileId: string): void;
}

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "—");
const pct = (p: number) => `${Math.round(p * 100)}%`;

export default function AutonomyView({ data, selectedFile, onSelectFile }: Props) {
  const { risks, actions, timeline, error, loaded } = data;
  const pending = actions.filter((a) => a.status === "PENDING_APPROVAL");
  const selected = selectedFile ? data.index.byFile.get(selectedFile) ?? null : null;
  const riskiest = [...risks].sort((a, b) => b.probability - a.probability).slice(0, 8);
  return (
    <aside className="autonomy" aria-label="autonomy" data-testid="autonomy-panel" data-loaded={loaded ? "yes" : "no"}>
      <h2>Autonomy</h2>
      {error && <div className="banner error" role="alert">{error}</div>}
      <div className="risk-legend" aria-label="risk colour scale">
        <span className="muted">risk</span>
        {RISK_LEGEND.map((p) => <i key={p} style={{ background: riskColor(p) }} title={pct(p)}>{pct(p)}</i>)}
        <i style={{ background: NO_RISK_COLOR }}>none</i>
        <span className="muted">size = lines</span>
      </div>

      <FileFactors risk={selected} selectedFile={selectedFile} actions={selected ? data.index.statusByFile.get(selected.fileId) : undefined} />

      <h3>Approval queue <span className="count">{pending.length}</span></h3>
      {pending.length === 0 && <p className="muted">Nothing waits for a decision.</p>}
      <ul className="queue" data-testid="approval-queue">
        {pending.map((a) => <QueueItem key={a.id} action={a} onDone={data.reload} onSelectFile={onSelectFile} />)}
      </ul>

      <h3>Actions <span className="count">{actions.length}</span></h3>
      <ul className="actions-list" data-testid="actions">
        {actions.slice(0, 40).map((a) => (
          <li key={a.id} data-action={a.id} data-status={a.status}>
            <span className={`status s-${a.status.toLowerCase()}`}>{STATUS_LABEL[a.status] ?? a.status}</span>{" "}
            <b>{a.action.toLowerCase().replace("_", " ")}</b>{" "}
            <TargetLink action={a} onSelectFile={onSelectFile} />
            {a.shadow && <span className="shadow" title="shadow mode: recorded, not executed">shadow{a.wouldExecute ? " · would have run" : " · would have asked"}</span>}
            {a.error && <div className="error small">{a.error}</div>}
          </li>
        ))}
      </ul>

      <h3>Timeline <span className="count">{timeline.length}</span></h3>
      <ol className="timeline" data-testid="timeline">
        {[...timeline].reverse().slice(0, 80).map((e, i) => (
          <li key={`${e.at}-${e.predictionId ?? ""}-${e.actionId ?? ""}-${i}`} data-kind={e.kind} data-event={e.event}>
            <i className="dot" style={{ background: e.kind === "prediction" ? riskColor(e.probability) : "#6c8cff" }} />
            <time dateTime={e.at}>{when(e.at)}</time>
            <span>{e.summary}</span>
          </li>
        ))}
      </ol>

      {!selected && riskiest.length > 0 && <>
        <h3>Riskiest files</h3>
        <ul className="riskiest">
          {riskiest.map((r) => (
            <li key={r.fileId}><i className="dot" style={{ background: riskColor(r.probability) }} />
              <button className="link" onClick={() => onSelectFile(r.fileId)}>{r.path}</button> {pct(r.probability)}</li>
          ))}
        </ul>
      </>}
    </aside>
  );
}

function TargetLink({ action, onSelectFile }: { action: RemediationAction; onSelectFile(id: string): void }) {
  const p = action.prediction;
  if (!p) return null;
  const label = `${p.targetPath ?? p.targetId ?? "?"} (${pct(p.probability)})`;
  return p.targetId ? <button className="link" onClick={() => onSelectFile(p.targetId!)}>{label}</button> : <span>{label}</span>;
}

function QueueItem({ action, onDone, onSelectFile }: { action: RemediationAction; onDone(): Promise<void>; onSelectFile(id: string): void }) {
  const [busy, setBusy] = useState(false);
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const run = async (decide: () => Promise<unknown>) => {
    setBusy(true);
    try { await decide(); setError(null); await onDone(); }
    catch (e) { setError(e instanceof Error ? e.message : String(e)); }
    finally { setBusy(false); }
  };
  return (
    <li data-action={action.id}>
      <div><b>{action.action.toLowerCase().replace("_", " ")}</b> for <TargetLink action={action} onSelectFile={onSelectFile} /></div>
      <div className="muted small">{action.reason}</div>
      {action.escalatedAt && <div className="warn small">escalated {when(action.escalatedAt)}</div>}
      <div className="decide">
        <button className="approve" disabled={busy} onClick={() => run(() => approveAction(action.id))}>Approve</button>
        {!rejecting && <button className="reject" disabled={busy} onClick={() => setRejecting(true)}>Reject…</button>}
        {rejecting && (
          <form onSubmit={(e) => { e.preventDefault(); void run(() => rejectAction(action.id, reason.trim() || null)); }}>
            <input autoFocus placeholder="reason (optional)" value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />
            <button type="submit" className="reject" disabled={busy}>Reject</button>
          </form>
        )}
      </div>
      {error && <div className="error small" role="alert">{error}</div>}
    </li>
  );
}

function FileFactors({ risk, selectedFile, actions }: { risk: FileRisk | null; selectedFile: string | null; actions?: string }) {
  if (!selectedFile) return <p className="muted">Select a file to see why it is at risk.</p>;
  if (!risk) return <p className="muted" data-testid="file-risk">No prediction for the selected node.</p>;
  const top = Math.max(...risk.topFactors.map((f) => f.contribution), 0.0001);
  return (
    <section className="file-risk" data-testid="file-risk" data-file={risk.fileId}>
      <h3>{risk.path}</h3>
      <div className="risk-figure">
        <i className="swatch" style={{ background: riskColor(risk.probability) }} />
        <b>{pct(risk.probability)}</b> chance of a fix in the horizon · confidence {pct(risk.confidence)} · {risk.lines} lines
        {actions && <> · action {STATUS_LABEL[actions as keyof typeof STATUS_LABEL] ?? actions}</>}
      </div>
      {risk.topFactors.length === 0 && <p className="muted">No factor raises it above the median file.</p>}
      <ol className="factors" data-testid="top-factors">
        {risk.topFactors.map((f) => (
          <li key={f.feature} data-feature={f.feature}>
            <span>{f.text}</span>
            <span className="bar"><i style={{ width: `${(100 * f.contribution) / top}%` }} /></span>
            <small>+{pct(f.contribution)}</small>
          </li>
        ))}
      </ol>
    </section>
  );
}
