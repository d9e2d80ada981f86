import { useEffect, useRef, useState } from "react";
import { ApiError, GUESS_BELOW, fetchAudit, fetchNode, triggerAudit, type EdgeRef, type NodeDetail, type ViewNode } from "./api";
import { ServiceHealthControl, TaskStatusControl } from "./NodeActions";

interface Props {
  id: string; node: ViewNode | null; expanded: string[];
  /** What the parent is called (a folder's or an open file's path): its id is a hash for files. */
  parentName: string | null;
  onClose(): void; onToggle(node: ViewNode): void; onCollapse(id: string): void;
  onExpandMany(ids: string[]): void; onFocus(id: string, fileId: string | null): void;
}

const SHOWN = ["path", "lang", "kind", "qualifiedName", "signature", "loc", "size", "exported", "communityId", "commitCount", "fixCount", "lastIndexedAt",
  "description", "assignee", "labels", "type", "endpoint", "healthUrl"];

export default function DetailPanel({ id, node, expanded, parentName, onClose, onToggle, onCollapse, onExpandMany, onFocus }: Props) {
  const [detail, setDetail] = useState<NodeDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [action, setAction] = useState<string | null>(null);
  const panel = useRef<HTMLElement>(null);
  const aggregate = node && (node.entity === "Folder" || node.entity === "Community");

  useEffect(() => {
    if (aggregate) return;
    fetchNode(id).then(setDetail, (e: ApiError) => setError(e.message));
  }, [id, aggregate]);
  useEffect(() => { panel.current?.focus(); }, [id]);

  const audit = async (kind: string) => {
    setAction(`${kind}: requesting…`);
    try {
      const result = await triggerAudit(id, kind);
      setAction(`${kind}: audit ${result.id.slice(0, 12)} ${result.status}`);
      // The worker's agent completes the audit: follow it until it is no longer pending.
      for (let waited = 0; waited < 600; waited += 1) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const now = await fetchAudit(result.nodeId);
        if (now.status !== "pending") {
          setAction(`${kind}: audit ${result.id.slice(0, 12)} ${now.status}${now.summary ? ` — ${now.summary}` : ""}`);
          break;
        }
      }
    } catch (e) { setAction(`${kind} failed: ${e instanceof Error ? e.message : String(e)}`); }
  };
  const props = detail?.properties ?? {};
  const location = detail?.entity === "Symbol" && detail.filePath
    ? `${detail.filePath}:${props.rangeStart ?? "?"}-${props.rangeEnd ?? "?"}` : (props.path as string | undefined);
  const neighbourFiles = (refs: EdgeRef[]) => refs.map((r) => r.fileId ?? (r.entity === "File" ? r.id : null)).filter((x): x is string => !!x);

  return (
    <aside className="detail" ref={panel} tabIndex={-1} aria-label="details" data-testid="detail"
           onKeyDown={(e) => {
             if (e.key === "Escape") onClose();
             else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
               // Arrow keys walk the panel's buttons and links (Tab does too), Enter activates one.
               const items = [...e.currentTarget.querySelectorAll<HTMLElement>("button:not([disabled])")];
               const at = items.indexOf(document.activeElement as HTMLElement);
               const next = e.key === "ArrowDown" ? Math.min(items.length - 1, at + 1) : Math.max(0, at - 1);
               items[next]?.focus();
               e.preventDefault();
             }
           }}>
      <div className="detail-head">
        <h2 data-testid="detail-title">{node?.label ?? (detail?.properties.name ?? detail?.properties.title) as string ?? id}</h2>
        <button onClick={onClose} aria-label="close details">×</button>
      </div>
      <p className="muted" data-testid="detail-entity">{node?.entity ?? detail?.entity} {node?.kind ?? ""}</p>
      {aggregate && node && (
        <dl className="props">
          <dt>files</dt><dd data-testid="detail-files">{node.fileCount}</dd>
          <dt>symbols</dt><dd data-testid="detail-symbols">{node.symbolCount}</dd>
          <dt>lines</dt><dd>{node.loc}</dd>
          <dt>languages</dt><dd>{node.languages.join(", ")}</dd>
          {node.path && <><dt>path</dt><dd>{node.path}</dd></>}
        </dl>
      )}
      {node && node.expandable && !node.expanded && <button onClick={() => onToggle(node)}>Expand</button>}
      {node?.entity === "File" && node.expanded && <button onClick={() => onToggle(node)}>Collapse file</button>}
      {node?.parent && expanded.some((x) => x === node.parent || (node.parent?.startsWith("dir:") && x.startsWith(node.parent))) &&
        <button onClick={() => onCollapse(node.parent!)}>Collapse {parentName ?? node.parent.replace(/^dir:/, "")}</button>}
      {error && <p className="error" role="alert">{error}</p>}
      {detail && (
        <>
          {location && <p className="location" data-testid="detail-location"><code>{location}</code></p>}
          <dl className="props">
            {SHOWN.filter((k) => props[k] !== undefined && props[k] !== null && !(Array.isArray(props[k]) && !(props[k] as unknown[]).length)).map((k) => (
              <FragmentRow key={k} name={k} value={String(props[k])} />
            ))}
          </dl>
          {detail.entity === "Service" && <ServiceHealthControl id={detail.id} health={(props.health as string) ?? null} />}
          {detail.entity === "Task" && <TaskStatusControl id={detail.id} initial={(props.status as string) ?? null} />}
          <div className="actions">
            {(detail.entity === "Symbol" || detail.entity === "File") && <>
              <button data-testid="action-code-review" onClick={() => audit("CODE_REVIEW")}>Code review</button>
              <button data-testid="action-security-scan" onClick={() => audit("SECURITY_SCAN")}>Security scan</button>
            </>}
            <button onClick={() => onExpandMany([...neighbourFiles(detail.outgoing), ...neighbourFiles(detail.incoming)])}>Show neighbours</button>
          </div>
          {action && <p className="action-result" role="status" data-testid="action-result">{action}</p>}
          <EdgeList title={`outgoing (${detail.outgoingCount})`} refs={detail.outgoing} onFocus={onFocus} testid="outgoing" />
          <EdgeList title={`incoming (${detail.incomingCount})`} refs={detail.incoming} onFocus={onFocus} testid="incoming" />
        </>
      )}
    </aside>
  );
}

function FragmentRow({ name, value }: { name: string; value: string }) {
  return <><dt>{name}</dt><dd data-prop={name}>{value}</dd></>;
}

function EdgeList({ title, refs, onFocus, testid }: { title: string; refs: EdgeRef[]; onFocus(id: string, fileId: string | null): void; testid: string }) {
  if (!refs.length) return null;
  return (
    <section>
      <h3>{title}</h3>
      <ul className="edges" data-testid={testid}>
        {refs.map((r, i) => (
          <li key={`${r.id}-${i}`}>
            <span className="etype">{r.type}</span>{" "}
            {r.id && (r.entity === "Symbol" || r.entity === "File")
              ? <button className="link" onClick={() => onFocus(r.id!, r.entity === "Symbol" ? r.fileId : r.id)}>{r.label}</button>
              : <span>{r.label}</span>}
            {r.evidence && <>{" "}<span className={r.confidence != null && r.confidence < GUESS_BELOW ? "evidence guess" : "evidence"}
              data-evidence={r.evidence} title="how the ingest resolved this call, and how sure it is">
              {r.evidence}{r.confidence != null ? ` · ${r.confidence}` : ""}</span></>}
          </li>
        ))}
      </ul>
    </section>
  );
}
