import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ApiError, GUESS_BELOW, computeCommunities, fetchFingerprint, fetchView, search, type SearchHit, type ViewEdge, type ViewGraph, type ViewNode } from "./api";
import type { UrlState } from "./urlstate";
import { cachedPositions, computeLayout, storePositions } from "./layout";
import type { Positions } from "./layout.worker";
import { NESTED_MAX_NODES } from "./groups";
import { nodeSize, nodeLabel, ENTITIES, EDGE_TYPES, SYMBOL_KINDS, EDGE_COLORS } from "./style";
import type { CanvasHandle } from "./GraphCanvas";
import DetailPanel from "./DetailPanel";
import EdgePanel from "./EdgePanel";
import TableView from "./TableView";
import { watchGraph } from "./live";
import { holds, innermostExpanded, isCollapsedGroup, semanticZoomSetting, storeSemanticZoomSetting } from "./semanticZoom";
import { linesSize, nodeRisk, riskColor, STATUS_LABEL, useAutonomy } from "./autonomy";

const GraphCanvas = lazy(() => import("./GraphCanvas"));
const AutonomyView = lazy(() => import("./AutonomyView"));
const BATCH_MS = 50; // graphChanged events this close together are drawn as one update

interface Props { state: UrlState; update(patch: Partial<UrlState>, push?: boolean): void }

export default function ProjectView({ state, update }: Props) {
  const { project, grouping, layout, depth, expanded, filters, focus, mode, minConfidence } = state;
  const [view, setView] = useState<ViewGraph | null>(null);
  const [positions, setPositions] = useState<Positions>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [notice, setNotice] = useState<string | null>(null);
  const [semanticZoom, setSemanticZoom] = useState(semanticZoomSetting);
  const [pickedEdge, setPickedEdge] = useState<ViewEdge | null>(null); // an edge clicked on the canvas
  const canvas = useRef<CanvasHandle>(null);
  const fingerprint = useRef<string | null>(null);
  const current = useRef<ViewGraph | null>(null);
  const layoutKey = `${project}|${grouping}|${layout}`;
  const requestKey = JSON.stringify([project, grouping, depth, expanded, filters, minConfidence]);

  const load = useCallback(async (live: boolean, since?: number) => {
    if (!project) return;
    if (!live) setLoading(true);
    try {
      const started = since ?? performance.now();
      const next = await fetchView({ projectId: project, grouping, expanded, depth, filters, minConfidence });
      document.body.dataset.fetchMs = String(Math.round(performance.now() - started));
      const known = cachedPositions(layoutKey);
      const missing = next.nodes.some((n) => !known[n.id]);
      let pos: Positions = known;
      // A nested layout (force mode, not too large) is recomputed whole: it is deterministic, and
      // positions cached from another view would belong to another arrangement of the groups.
      const nested = layout === "force" && next.nodes.length <= NESTED_MAX_NODES;
      if (missing || layout !== "force" || nested) {
        pos = await computeLayout({
          mode: layout,
          nodes: next.nodes.map((n) => ({ id: n.id, parent: n.parent, entity: n.entity, path: n.path, size: nodeSize(n) })),
          edges: next.edges,
          known: layout === "force" && !nested ? known : {},
        });
        storePositions(layoutKey, pos);
      }
      if (live && current.current) {
        const before = new Set(current.current.nodes.map((n) => n.id));
        const added = next.nodes.filter((n) => !before.has(n.id)).length;
        setNotice(`Graph updated live: ${added} new node${added === 1 ? "" : "s"}`);
      }
      fingerprint.current = next.fingerprint;
      current.current = next;
      setView(next);
      setPositions(pos);
      setError(null);
      // Measured after React has committed and the canvas drew (two frames later).
      requestAnimationFrame(() => requestAnimationFrame(() => {
        document.body.dataset[live ? "liveMs" : "viewMs"] = String(Math.round(performance.now() - started));
      }));
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(String(e), "ERROR"));
    } finally {
      setLoading(false);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [requestKey, layoutKey, layout]);

  useEffect(() => { void load(false); }, [load]);

  // Live updates through the graphChanged subscription (graphql-transport-ws); while the websocket
  // is down the fingerprint is polled instead. Events close together are drawn as one update, and
  // an event arriving during a load triggers one more load after it.
  useEffect(() => {
    if (!project) return;
    let timer: number | null = null, busy = false, again = false, first = 0;
    const run = async () => {
      timer = null;
      if (busy) { again = true; return; }
      busy = true;
      try { await load(true, first); } finally {
        busy = false;
        if (again) { again = false; first = performance.now(); void run(); }
      }
    };
    const changed = () => {
      if (timer === null) { first = performance.now(); timer = window.setTimeout(run, BATCH_MS); }
    };
    const stop = watchGraph(project, {
      changed,
      poll: async () => {
        const latest = await fetchFingerprint(project);
        if (fingerprint.current && latest !== fingerprint.current) changed();
      },
      mode: (m) => { document.body.dataset.live = m; },
    });
    return () => { stop(); if (timer !== null) window.clearTimeout(timer); };
  }, [project, load]);

  useEffect(() => {
    if (focus && view?.nodes.some((n) => n.id === focus)) {
      const t = window.setTimeout(() => canvas.current?.focus(focus), 50);
      return () => window.clearTimeout(t);
    }
  }, [focus, view, positions]);

  const nodesById = useMemo(() => new Map((view?.nodes ?? []).map((n) => [n.id, n])), [view]);
  const selectedNode = focus ? nodesById.get(focus) ?? null : null;
  const parentNode = selectedNode?.parent ? nodesById.get(selectedNode.parent) ?? null : null;
  const parentName = parentNode ? parentNode.path ?? parentNode.label : null;

  // The autonomy view (?risk=1): the same canvas coloured by predicted risk, sized by lines, a
  // file awaiting an approval labelled so; the remediation panel beside it.
  const autonomy = useAutonomy(state.risk ? project : null);
  const decorate = useMemo(() => {
    if (!state.risk) return undefined;
    const { index, risks } = autonomy;
    return (n: ViewNode) => {
      if (n.entity === "Symbol") return null;
      const risk = nodeRisk(n, index, risks);
      const file = n.entity === "File" ? n.fileId ?? n.id : null;
      const status = file ? index.statusByFile.get(file) : undefined;
      const label = nodeLabel(n) + (risk != null ? ` · ${Math.round(risk * 100)}%` : "") + (status ? ` · ${STATUS_LABEL[status]}` : "");
      return { color: riskColor(risk), size: linesSize(n), risk, remediation: status ?? null, label };
    };
  }, [state.risk, autonomy]);

  const toggle = useCallback((node: ViewNode) => {
    if (node.entity === "Symbol") return;
    if (node.entity === "File" && node.expanded) {
      update({ expanded: expanded.filter((x) => x !== node.id) }, true);
    } else if (node.expandable && !expanded.includes(node.id) && !node.expanded) {
      update({ expanded: [...expanded, node.id] }, true);
    }
  }, [expanded, update]);

  // Opens a group and drops the selection: a click on a folder or community, a semantic zoom in.
  const expandGroup = useCallback((id: string) => update({ focus: null, expanded: [...expanded, id] }, true), [expanded, update]);

  const onNodeClick = useCallback((id: string) => {
    const node = nodesById.get(id);
    const replaced = node && (node.entity === "Folder" || node.entity === "Community") && node.expandable;
    if (node && replaced) expandGroup(node.id);
    else {
      update({ focus: id }, true);
      if (node && node.entity === "File") toggle(node);
    }
  }, [nodesById, toggle, update, expandGroup]);

  // Closing a group closes what is open inside it too: the server keeps a folder open while one of
  // its files is, so leaving the file in the list would leave the folder open.
  const collapse = (id: string, patch: Partial<UrlState> = {}) =>
    update({ ...patch, expanded: expanded.filter((x) => x !== id && !holds(id, x, nodesById)) }, true);

  // Semantic zoom drops the selection too: a focused node would pull the camera back in after the redraw.
  const onZoomExpand = (id: string) => {
    const node = nodesById.get(id);
    if (!node || !isCollapsedGroup(node) || expanded.includes(id)) return false;
    expandGroup(id);
    return true;
  };
  const onZoomCollapse = () => {
    const id = innermostExpanded(expanded, nodesById);
    if (id) collapse(id, { focus: null });
    return id;
  };
  const toggleSemanticZoom = (on: boolean) => { storeSemanticZoomSetting(on); setSemanticZoom(on); };

  const openHit = (hit: SearchHit) => {
    const extra: string[] = [];
    if (hit.entity === "Symbol" && hit.fileId) extra.push(hit.fileId);
    if (hit.entity === "File") {
      const cut = (hit.path ?? "").lastIndexOf("/");
      extra.push(cut >= 0 ? `dir:${hit.path!.slice(0, cut + 1)}` : hit.id);
    }
    update({ expanded: [...new Set([...expanded, ...extra])], focus: hit.id, mode: state.mode }, true);
  };

  if (error && !view) {
    const message = error.code === "NOT_FOUND" ? `Project not found: ${project}` : error.message;
    return <div className="state error" role="alert" data-testid="error">{message} <button onClick={() => update({ project: null }, true)}>Back to projects</button></div>;
  }

  return (
    <div className="project">
      <Toolbar state={state} update={update} view={view} canvas={canvas} onHit={openHit}
        semanticZoom={semanticZoom} onSemanticZoom={toggleSemanticZoom} />
      <div className="workspace">
        <FilterPanel state={state} update={update} view={view} />
        <section className="stage">
          {expanded.length > 0 && (
            <div className="chips" aria-label="expanded groups">
              {expanded.map((id) => (
                <button key={id} className="chip" title="collapse" onClick={() => collapse(id)}>
                  {id.startsWith("dir:") ? id.slice(4) : id.startsWith("community:") ? id : (nodesById.get(id)?.path ?? id.slice(0, 8))} ×
                </button>
              ))}
              <button className="chip" onClick={() => update({ expanded: [] }, true)}>collapse all</button>
            </div>
          )}
          {view?.truncated && <div className="banner warn" role="status">This view reached what can be drawn smoothly (nodes, or its lightest edges were left out): collapse groups or add filters to see everything.</div>}
          {error && view && <div className="banner error" role="alert">{error.message}</div>}
          {notice && <div className="banner live" role="status" data-testid="live-notice" onClick={() => setNotice(null)}>{notice}</div>}
          {loading && <div className="loading" aria-busy="true">Loading view…</div>}
          {view && grouping === "communities" && view.nodes.every((n) => n.communityId == null && n.entity !== "Folder") && (
            <div className="banner">No communities computed yet. <button onClick={async () => { await computeCommunities(project!); await load(false); }}>Compute with GDS Louvain</button></div>
          )}
          {mode === "table" ? (
            view && <TableView view={view} selected={focus} onSelect={(id) => update({ focus: id }, true)} onToggle={toggle} />
          ) : (
            <Suspense fallback={<div className="loading">Loading renderer…</div>}>
              {view && <GraphCanvas ref={canvas} nodes={view.nodes} edges={view.edges} positions={positions} selected={focus}
                onNodeClick={(id) => { setPickedEdge(null); onNodeClick(id); }}
                onStageClick={() => { setPickedEdge(null); update({ focus: null }); }}
                onEdgeClick={(edge) => { setPickedEdge(edge); update({ focus: null }); }} decorate={decorate}
                semanticZoom={semanticZoom} onZoomExpand={onZoomExpand} onZoomCollapse={onZoomCollapse} />}
            </Suspense>
          )}
          {view && (
            <div className="statusbar" data-testid="statusbar">
              <span data-testid="view-counts">{view.nodes.length} nodes · {view.edges.length} edges</span>
              <span>{view.totalFiles} files · {view.totalSymbols} symbols in project</span>
              <span>server {view.elapsedMs} ms</span>
              {mode === "graph" && semanticZoom && <span data-testid="zoom-hint">zoom in to open a group, out to close it</span>}
              <span className="legend">{Object.entries(EDGE_COLORS).map(([t, c]) => <i key={t} style={{ color: c }}>━ {t}</i>)}
                {minConfidence < GUESS_BELOW && <i style={{ color: EDGE_COLORS.CALLS + "77" }}>╌ guessed CALLS</i>}</span>
            </div>
          )}
        </section>
        {state.risk && project && (
          <Suspense fallback={<aside className="autonomy">Loading autonomy view…</aside>}>
            <AutonomyView data={autonomy} selectedFile={selectedNode?.entity === "File" ? selectedNode.fileId ?? selectedNode.id : focus}
              onSelectFile={(id) => update({ focus: id }, true)} />
          </Suspense>
        )}
        {!state.risk && !focus && pickedEdge && view && (
          <EdgePanel key={`${pickedEdge.source}>${pickedEdge.target}:${pickedEdge.type}`} edge={pickedEdge} nodes={nodesById}
            onClose={() => setPickedEdge(null)} onSelect={(id) => { setPickedEdge(null); update({ focus: id }, true); }} />
        )}
        {!state.risk && focus && !(selectedNode === null && /^(dir|community):/.test(focus)) && (
          <DetailPanel key={focus} id={focus} node={selectedNode} expanded={expanded} parentName={parentName}
            onClose={() => update({ focus: null })}
            onToggle={toggle} onCollapse={collapse}
            onExpandMany={(ids) => update({ expanded: [...new Set([...expanded, ...ids])] }, true)}
            onFocus={(id, fileId) => update({ focus: id, expanded: fileId ? [...new Set([...expanded, fileId])] : expanded }, true)} />
        )}
      </div>
    </div>
  );
}

function Toolbar({ state, update, view, canvas, onHit, semanticZoom, onSemanticZoom }: Props & {
  view: ViewGraph | null; canvas: React.RefObject<CanvasHandle>; onHit(hit: SearchHit): void;
  semanticZoom: boolean; onSemanticZoom(on: boolean): void;
}) {
  const [text, setText] = useState("");
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [searchError, setSearchError] = useState<string | null>(null);
  const run = async () => {
    if (!text.trim()) return;
    try { setHits(await search(text.trim(), state.project ?? undefined)); setSearchError(null); }
    catch (e) { setSearchError(e instanceof Error ? e.message : String(e)); setHits(null); }
  };
  return (
    <div className="toolbar" role="toolbar">
      <label>group by <select value={state.grouping} data-testid="grouping" onChange={(e) => update({ grouping: e.target.value as UrlState["grouping"], expanded: [] }, true)}>
        <option value="folders">folders</option><option value="communities">communities (GDS)</option></select></label>
      <label>layout <select value={state.layout} data-testid="layout" onChange={(e) => update({ layout: e.target.value as UrlState["layout"] }, true)}>
        <option value="force">force-directed</option><option value="tree">folder tree</option><option value="circle">circular</option></select></label>
      <label>depth <button aria-label="less depth" onClick={() => update({ depth: Math.max(1, state.depth - 1) }, true)}>−</button>
        <span data-testid="depth">{state.depth}</span>
        <button aria-label="more depth" onClick={() => update({ depth: Math.min(8, state.depth + 1) }, true)}>+</button></label>
      <div className="seg">
        <button className={state.mode === "graph" ? "on" : ""} onClick={() => update({ mode: "graph" }, true)}>graph</button>
        <button className={state.mode === "table" ? "on" : ""} data-testid="table-mode" onClick={() => update({ mode: "table" }, true)}>list</button>
      </div>
      {state.mode === "graph" && <div className="seg">
        <button aria-label="zoom in" onClick={() => canvas.current?.zoom(1.5)}>+</button>
        <button aria-label="zoom out" onClick={() => canvas.current?.zoom(1 / 1.5)}>−</button>
        <button onClick={() => canvas.current?.fit()}>fit</button>
      </div>}
      <label title="Colour files by predicted defect risk (size = lines) and show the remediation queue and timeline">
        <input type="checkbox" data-testid="risk-mode" checked={state.risk} onChange={(e) => update({ risk: e.target.checked }, true)} /> autonomy</label>
      {state.mode === "graph" && <label title="Zooming in past 2× opens the group nearest the centre; zooming out past ½× closes the innermost open one">
        <input type="checkbox" data-testid="semantic-zoom" checked={semanticZoom} onChange={(e) => onSemanticZoom(e.target.checked)} /> semantic zoom</label>}
      <form className="search" onSubmit={(e) => { e.preventDefault(); void run(); }}>
        <input type="search" placeholder="search symbols, files, tasks, services" value={text} data-testid="search" onChange={(e) => setText(e.target.value)} />
        {(hits || searchError) && (
          <ul className="hits" role="listbox" data-testid="search-hits">
            {searchError && <li className="error">{searchError}</li>}
            {hits?.length === 0 && <li>no match</li>}
            {hits?.map((h) => (
              <li key={h.id} role="option" tabIndex={0} onClick={() => { setHits(null); onHit(h); }}
                  onKeyDown={(e) => { if (e.key === "Enter") { setHits(null); onHit(h); } }}>
                <b>{h.label}</b> <small>{h.entity}{h.path ? ` · ${h.path}` : ""}</small>
              </li>
            ))}
          </ul>
        )}
      </form>
      {view && <span className="muted">{view.grouping}</span>}
    </div>
  );
}

function FilterPanel({ state, update, view }: Props & { view: ViewGraph | null }) {
  const f = state.filters;
  const languages = useMemo(() => {
    const all = new Set<string>(f.languages);
    view?.nodes.forEach((n) => n.languages.forEach((l) => all.add(l)));
    return [...all].sort();
  }, [view, f.languages]);
  const set = (key: keyof typeof f, value: string, on: boolean) => {
    const current = f[key] as string[];
    update({ filters: { ...f, [key]: on ? [...current, value] : current.filter((x) => x !== value) } }, true);
  };
  const group = (title: string, key: "entities" | "kinds" | "languages" | "edgeTypes", values: string[]) => (
    <fieldset>
      <legend>{title}</legend>
      {values.map((v) => (
        <label key={v}><input type="checkbox" data-filter={`${key}:${v}`} checked={(f[key] as string[]).includes(v)}
          onChange={(e) => set(key, v, e.target.checked)} /> {v}</label>
      ))}
    </fieldset>
  );
  return (
    <aside className="filters" aria-label="filters">
      <h2>Filters</h2>
      <p className="muted">checked = only these; none checked = all</p>
      {group("entity", "entities", ENTITIES)}
      {group("symbol kind", "kinds", SYMBOL_KINDS)}
      {group("language", "languages", languages)}
      {group("edge type", "edgeTypes", EDGE_TYPES)}
      <fieldset><legend>call confidence</legend>
        <label title={`Calls the ingest only guessed (a unique name, confidence below ${GUESS_BELOW}): hidden unless checked, drawn faint`}>
          <input type="checkbox" data-testid="show-guesses" checked={state.minConfidence < GUESS_BELOW}
            onChange={(e) => update({ minConfidence: e.target.checked ? 0 : GUESS_BELOW }, true)} /> guessed calls</label>
      </fieldset>
      <fieldset><legend>path prefix</legend>
        <input type="text" placeholder="e.g. app/" defaultValue={f.pathPrefix} data-testid="path-prefix"
          onKeyDown={(e) => { if (e.key === "Enter") update({ filters: { ...f, pathPrefix: (e.target as HTMLInputElement).value } }, true); }} />
      </fieldset>
    </aside>
  );
}
