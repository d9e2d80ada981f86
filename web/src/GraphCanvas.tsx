// The WebGL canvas: sigma.js 3 with the non-instanced point and line programs (instanced draws are
// 10-20x slower on software-rendered WebGL). Loaded lazily so it is not in the initial bundle.
import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from "react";
import Graph from "graphology";
import Sigma from "sigma";
import { EdgeLineProgram, EdgeRectangleProgram, NodePointProgram } from "sigma/rendering";
import { GUESS_BELOW, type ViewEdge, type ViewNode } from "./api";
import { EDGE_COLORS, nodeColor, nodeLabel, nodeSize } from "./style";
import type { Positions } from "./layout.worker";
import Minimap from "./Minimap";
import { isCollapsedGroup, SemanticZoom } from "./semanticZoom";
import { groupLabel, nesting } from "./groups";
import { installLabels, type LabelGroup } from "./labels";

export interface CanvasHandle { fit(): void; zoom(factor: number): void; focus(id: string): void }
interface Props {
  nodes: ViewNode[]; edges: ViewEdge[]; positions: Positions; selected: string | null;
  onNodeClick(id: string): void; onStageClick(): void;
  // A click on the stage within EDGE_PICK_PX of a drawn edge selects that edge instead.
  onEdgeClick?(edge: ViewEdge): void;
  // Semantic zoom (see semanticZoom.ts): open a group the way a click does, close the innermost one.
  semanticZoom: boolean; onZoomExpand(id: string): boolean; onZoomCollapse(): string | null;
  // A colour mode (the autonomy view's risk heat map): attributes laid over each node's own.
  decorate?: (n: ViewNode) => Attrs | null;
}

const LABEL_MIN_SIZE = 7; // px on screen; below it a node is drawn without its label...
const LABEL_ALL_BELOW = 600; // ...unless the view is this small (labels never overlap: labels.ts)
const EDGE_PICK_PX = 5; // how near (CSS px) a click must land to an edge's line to select it
const RECT_EDGE_LIMIT = 400; // above this, 1px lines: thick (instanced) edges are slow on software WebGL
// Above these sizes, edges and labels are hidden while the camera moves: on software WebGL a frame
// with 15k lines costs more than 1/15 s, without them a 5k-node frame fits easily.
const HIDE_EDGES_ON_MOVE = 2_000;
const HIDE_LABELS_ON_MOVE = 1_500;

// Sigma's graph listeners re-index the renderer on every single mutation (1.9 s for 100 nodes at
// 5k). Detaching them, mutating, re-attaching and refreshing once is the batched path; these two
// methods are not in sigma's typings, hence the narrow cast. The hovered node or edge is not
// re-indexed by refresh(): one dropped by the patch is forgotten here, as setGraph does, or the next
// render reads it (the node under the mouse is the group a click or a zoom just expanded).
interface SigmaInternals {
  unbindGraphHandlers(): void; bindGraphHandlers(): void;
  settings: { hideEdgesOnMove: boolean; hideLabelsOnMove: boolean; labelRenderedSizeThreshold: number };
  hoveredNode: string | null; hoveredEdge: string | null;
}

type Attrs = Record<string, unknown>;

// Inside a named group region a node's label leaves out the group's path ("forms/m1.py" in the
// region "forms/" is "m1.py"): the region says it once.
type Prefixes = Map<string, string>;

function groupPrefixes(nodes: ViewNode[]): Prefixes {
  const { groupOf } = nesting(nodes);
  const out: Prefixes = new Map();
  for (const n of nodes) {
    const g = groupOf.get(n.id) ?? "";
    if (g.startsWith("dir:") && n.entity !== "Symbol") out.set(n.id, g.slice(4));
  }
  return out;
}

function shortLabel(n: ViewNode, prefixes: Prefixes): string {
  const label = nodeLabel(n), prefix = prefixes.get(n.id);
  if (!prefix) return label;
  // The label is the path's tail: strip the part of the group's path it repeats.
  for (let cut = 0; cut < prefix.length; cut = prefix.indexOf("/", cut) + 1) {
    const tail = prefix.slice(cut);
    if (label.startsWith(tail) && label.length > tail.length) return label.slice(tail.length);
    if (prefix.indexOf("/", cut) < 0) break;
  }
  return label;
}

function nodeAttrs(n: ViewNode, positions: Positions, prefixes: Prefixes, decorate?: Props["decorate"]): Attrs {
  const p = positions[n.id] ?? [0, 0];
  const own = { x: p[0], y: p[1], size: nodeSize(n), color: nodeColor(n), label: shortLabel(n, prefixes), entity: n.entity };
  const extra = decorate?.(n);
  return extra ? { ...own, ...extra } : own;
}

// The regions of the view's groups (open folders and communities) from where their nodes were
// laid out: the centre of their members and a radius that holds them all.
function groupRegions(nodes: ViewNode[], positions: Positions): LabelGroup[] {
  const { groupOf, parentGroup, groups } = nesting(nodes);
  if (!groups.length) return [];
  const members = new Map<string, [number, number, number][]>(groups.map((g) => [g, []]));
  for (const n of nodes) {
    const p = positions[n.id];
    if (!p) continue;
    for (let g = groupOf.get(n.id) ?? ""; g; g = parentGroup.get(g) ?? "") members.get(g)?.push([p[0], p[1], nodeSize(n)]);
  }
  const out: LabelGroup[] = [];
  for (const g of groups) {
    const list = members.get(g)!;
    if (!list.length) continue;
    const x = list.reduce((s, q) => s + q[0], 0) / list.length, y = list.reduce((s, q) => s + q[1], 0) / list.length;
    const r = Math.max(...list.map((q) => Math.hypot(q[0] - x, q[1] - y) + q[2])) + 6;
    out.push({ id: g, label: groupLabel(g, parentGroup.get(g) ?? ""), x, y, r, weight: list.length });
  }
  return out;
}

function edgeKey(e: ViewEdge): string { return `${e.source}>${e.target}:${e.type}`; }

// A guessed call (every call it stands for below GUESS_BELOW) is drawn faint and thin, labelled so.
function edgeAttrs(e: ViewEdge, thick: boolean, maxWeight: number): Attrs {
  const guess = e.type === "CALLS" && e.confidence < GUESS_BELOW;
  const color = EDGE_COLORS[e.type] ?? "#888";
  return {
    type: thick && !guess ? "rect" : "line", color: guess ? color + "66" : color,
    size: thick && !guess ? 0.6 + 5 * Math.sqrt(e.weight / maxWeight) : 1,
    label: `${e.type} ×${e.weight}${guess ? " (guessed)" : ""}${e.evidence ? ` · ${e.evidence}` : ""}`,
    confidence: e.confidence, evidence: e.evidence, guess,
  };
}

function buildGraph(nodes: ViewNode[], edges: ViewEdge[], positions: Positions, decorate?: Props["decorate"]): Graph {
  const graph = new Graph({ multi: true, type: "directed" });
  patchGraph(graph, nodes, edges, positions, decorate);
  return graph;
}

// Brings `graph` to the given view: adds, updates and drops only what differs; returns the number of
// nodes and edges added or dropped.
function patchGraph(graph: Graph, nodes: ViewNode[], edges: ViewEdge[], positions: Positions, decorate?: Props["decorate"]): number {
  let changes = 0;
  const keepNodes = new Set<string>();
  const prefixes = groupPrefixes(nodes);
  for (const n of nodes) {
    keepNodes.add(n.id);
    const attrs = nodeAttrs(n, positions, prefixes, decorate);
    if (graph.hasNode(n.id)) graph.replaceNodeAttributes(n.id, attrs);
    else { graph.addNode(n.id, attrs); changes++; }
  }
  const dropNodes: string[] = [];
  graph.forEachNode((id) => { if (!keepNodes.has(id)) dropNodes.push(id); });
  for (const id of dropNodes) graph.dropNode(id);
  changes += dropNodes.length;

  const thick = edges.length <= RECT_EDGE_LIMIT;
  let maxWeight = 1;
  for (const e of edges) if (e.weight > maxWeight) maxWeight = e.weight;
  const keepEdges = new Set<string>();
  for (const e of edges) {
    if (!keepNodes.has(e.source) || !keepNodes.has(e.target)) continue;
    const key = edgeKey(e);
    if (keepEdges.has(key)) continue;
    keepEdges.add(key);
    const attrs = edgeAttrs(e, thick, maxWeight);
    if (graph.hasEdge(key)) graph.replaceEdgeAttributes(key, attrs);
    else { graph.addDirectedEdgeWithKey(key, e.source, e.target, attrs); changes++; }
  }
  const dropEdges: string[] = [];
  graph.forEachEdge((key) => { if (!keepEdges.has(key)) dropEdges.push(key); });
  for (const key of dropEdges) graph.dropEdge(key);
  return changes + dropEdges.length;
}

/** The key of the drawn edge nearest to a point of the canvas (CSS px), if one is within
 * EDGE_PICK_PX of it: a distance to each edge's segment, on the screen positions of its ends. */
function edgeAtPoint(renderer: Sigma, x: number, y: number): string | null {
  const graph = renderer.getGraph();
  let best: string | null = null;
  let bestDistance = EDGE_PICK_PX;
  graph.forEachEdge((key, attrs, source, target) => {
    if (attrs.hidden) return;
    const a = renderer.getNodeDisplayData(source), b = renderer.getNodeDisplayData(target);
    if (!a || !b) return;
    const p = renderer.framedGraphToViewport(a), q = renderer.framedGraphToViewport(b);
    const dx = q.x - p.x, dy = q.y - p.y;
    const length2 = dx * dx + dy * dy;
    const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - p.x) * dx + (y - p.y) * dy) / length2));
    const distance = Math.hypot(x - (p.x + t * dx), y - (p.y + t * dy));
    if (distance < bestDistance) { bestDistance = distance; best = key; }
  });
  return best;
}

const isGroupLevel = (entity: unknown) => entity === "Folder" || entity === "Community";

const GraphCanvas = forwardRef<CanvasHandle, Props>(function GraphCanvas(props, ref) {
  const container = useRef<HTMLDivElement>(null);
  const sigma = useRef<Sigma | null>(null);
  const zoom = useRef<SemanticZoom | null>(null);
  const handlers = useRef(props);
  handlers.current = props;
  const selected = useRef<string | null>(props.selected);
  const [renderer, setRenderer] = useState<Sigma | null>(null);
  const regions = useRef<LabelGroup[]>([]);

  useEffect(() => {
    const instance: Sigma = new Sigma(new Graph({ multi: true, type: "directed" }), container.current!, {
      defaultNodeType: "point", defaultEdgeType: "line",
      nodeProgramClasses: { point: NodePointProgram },
      edgeProgramClasses: { line: EdgeLineProgram, rect: EdgeRectangleProgram },
      labelRenderedSizeThreshold: LABEL_MIN_SIZE, labelDensity: 0.6, labelColor: { color: "#d7dae0" },
      zIndex: true, minCameraRatio: 0.02, maxCameraRatio: 20,
      // Reducers read the selection from a ref: they are installed once, so a new view is
      // processed once (setSetting would re-index the whole graph again).
      nodeReducer: (node, data) =>
        node === selected.current ? { ...data, highlighted: true, size: (data.size ?? 4) * 1.6, zIndex: 2, forceLabel: true } : data,
      edgeReducer: (edge, data) => {
        const focus = selected.current;
        if (!focus) return data;
        const g = sigma.current?.getGraph();
        if (!g) return data;
        return g.source(edge) === focus || g.target(edge) === focus ? { ...data, zIndex: 1 } : { ...data, color: data.color + "55" };
      },
    });
    instance.on("clickNode", ({ node }) => handlers.current.onNodeClick(node));
    // Edges are picked here, on the CPU, only when a click misses every node: sigma's own edge
    // events need a second drawing of every edge into a picking buffer on every frame, which
    // software WebGL cannot afford on the large views.
    instance.on("clickStage", ({ event }) => {
      const onEdge = handlers.current.onEdgeClick;
      const key = onEdge ? edgeAtPoint(instance, event.x, event.y) : null;
      const edge = key ? handlers.current.edges.find((e) => edgeKey(e) === key) : undefined;
      if (edge && onEdge) onEdge(edge);
      else handlers.current.onStageClick();
    });
    zoom.current = new SemanticZoom(instance, container.current!, {
      enabled: () => handlers.current.semanticZoom,
      groups: () => handlers.current.nodes.filter(isCollapsedGroup).map((n) => n.id),
      expand: (id) => handlers.current.onZoomExpand(id),
      collapse: () => handlers.current.onZoomCollapse(),
    });
    // Label importance: group-level nodes first, then the larger, then the better connected.
    const labels = installLabels(instance, {
      groups: () => regions.current,
      alwaysCandidate: (node) => isGroupLevel(instance.getGraph().getNodeAttribute(node, "entity")),
      importance: (node) => {
        const g = instance.getGraph();
        return (isGroupLevel(g.getNodeAttribute(node, "entity")) ? 1e6 : 0) + 1e3 * (g.getNodeAttribute(node, "size") ?? 0) + g.degree(node);
      },
    });
    sigma.current = instance;
    setRenderer(instance);
    // The debug hook the browser tests read: the renderer, and the labels of its last frame (boxes in
    // CSS pixels of the canvas).
    (window as unknown as { __vislzr?: unknown }).__vislzr = { sigma: instance, labels, edgeAtPoint: (x: number, y: number) => edgeAtPoint(instance, x, y) };
    // Sigma follows the window's size only: a detail panel opening beside the canvas shrinks the
    // container, and the stale (wider) canvases would cover the panel and take its clicks.
    const resized = new ResizeObserver(() => instance.scheduleRefresh());
    resized.observe(container.current!);
    return () => { resized.disconnect(); zoom.current?.detach(); zoom.current = null; instance.kill(); sigma.current = null; };
  }, []);

  // One batched update per view. A view that mostly overlaps the drawn one (a live update, one
  // more expanded folder) is patched in place with sigma's listeners detached, then refreshed
  // once; a different view is swapped in whole.
  useEffect(() => {
    const renderer = sigma.current;
    if (!renderer) return;
    const started = performance.now();
    const internals = renderer as unknown as SigmaInternals;
    const current = renderer.getGraph();
    let shared = 0;
    for (const n of props.nodes) if (current.hasNode(n.id)) shared++;
    const patch = current.order > 0 && shared >= 0.5 * Math.max(current.order, props.nodes.length);
    let graph = current;
    if (patch) {
      internals.unbindGraphHandlers();
      try { patchGraph(current, props.nodes, props.edges, props.positions, props.decorate); }
      finally { internals.bindGraphHandlers(); }
      if (internals.hoveredNode && !current.hasNode(internals.hoveredNode)) internals.hoveredNode = null;
      if (internals.hoveredEdge && !current.hasEdge(internals.hoveredEdge)) internals.hoveredEdge = null;
    } else graph = buildGraph(props.nodes, props.edges, props.positions, props.decorate);
    // Plain fields read at render time: set directly, as setSetting would re-index everything.
    internals.settings.hideEdgesOnMove = props.edges.length > HIDE_EDGES_ON_MOVE;
    internals.settings.hideLabelsOnMove = props.nodes.length > HIDE_LABELS_ON_MOVE;
    // A small view labels every node (a file with no symbols is drawn small); a large one only
    // the nodes big enough on screen, or the labels would cover the drawing.
    internals.settings.labelRenderedSizeThreshold = props.nodes.length <= LABEL_ALL_BELOW ? 0 : LABEL_MIN_SIZE;
    regions.current = groupRegions(props.nodes, props.positions);
    if (patch) renderer.refresh();
    else renderer.setGraph(graph);
    const el = container.current!;
    el.dataset.renderedNodes = String(graph.order);
    el.dataset.renderedEdges = String(graph.size);
    el.dataset.drawMs = String(Math.round(performance.now() - started));
    el.dataset.drawMode = patch ? "patch" : "swap";
    el.dataset.version = String(Number(el.dataset.version ?? 0) + 1);
    zoom.current?.drawn(props.nodes);
  }, [props.nodes, props.edges, props.positions, props.decorate]);

  useEffect(() => {
    if (selected.current === props.selected) return;
    selected.current = props.selected;
    sigma.current?.refresh();
  }, [props.selected]);

  useImperativeHandle(ref, () => ({
    // Camera moves go through the semantic zoom, which tells the user's (the zoom buttons) from the app's.
    fit: () => zoom.current?.move({ x: 0.5, y: 0.5, ratio: 1, angle: 0 }, 300),
    zoom: (factor: number) => {
      const camera = sigma.current?.getCamera();
      if (camera) zoom.current?.userMove({ ratio: camera.getBoundedRatio(camera.getState().ratio / factor) }, 200);
    },
    focus: (id: string) => {
      const renderer = sigma.current;
      if (!renderer || !renderer.getGraph().hasNode(id)) return;
      const display = renderer.getNodeDisplayData(id);
      if (display) zoom.current?.move({ x: display.x, y: display.y, ratio: 0.35 }, 400);
    },
  }), []);

  return (
    <div className="canvas-wrap">
      <div ref={container} className="canvas" data-testid="graph-canvas" />
      <Minimap renderer={renderer} nodes={props.nodes} positions={props.positions} />
    </div>
  );
});

export default GraphCanvas;
