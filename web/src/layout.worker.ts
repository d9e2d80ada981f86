// Layouts off the main thread. Positions already known (from the cache or the previous view) stay
// fixed, so the picture a person has learned does not move when the graph grows; new nodes start
// next to the aggregate they came out of and only they are moved by the force simulation.
import Graph from "graphology";
import { circular } from "graphology-layout";
import forceAtlas2 from "graphology-layout-forceatlas2";

export interface LayoutNode { id: string; parent: string | null; entity: string; path: string | null; size: number }
export interface LayoutRequest {
  mode: "force" | "tree" | "circle";
  nodes: LayoutNode[];
  edges: { source: string; target: string; weight: number }[];
  known: Record<string, [number, number]>;
}
export type Positions = Record<string, [number, number]>;

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0) / 4294967296;
}

function parentChain(id: string, parent: string | null): string[] {
  // Folder ids are "dir:a/b/": their ancestors are implied by the path even when expanded away.
  const chain: string[] = [];
  let current = parent;
  while (current) {
    chain.push(current);
    if (current.startsWith("dir:")) {
      const path = current.slice(4, -1);
      const cut = path.lastIndexOf("/");
      current = cut >= 0 ? `dir:${path.slice(0, cut + 1)}` : null;
    } else current = null;
  }
  void id;
  return chain;
}

function force(req: LayoutRequest): Positions {
  const graph = new Graph({ type: "undirected", multi: false, allowSelfLoops: false });
  const known = req.known;
  const placed: Positions = {};
  const n = req.nodes.length;
  const spread = 40 * Math.sqrt(Math.max(n, 1));
  // Seeds: known position; else around the nearest placed ancestor; else on a hashed circle.
  for (const node of req.nodes) {
    let seed = known[node.id];
    let fixed = !!seed;
    if (!seed) {
      const anchor = parentChain(node.id, node.parent).map((p) => known[p]).find(Boolean);
      const a = hash(node.id) * Math.PI * 2, r = hash(node.id + "r");
      seed = anchor
        ? [anchor[0] + Math.cos(a) * (20 + 60 * r), anchor[1] + Math.sin(a) * (20 + 60 * r)]
        : [Math.cos(a) * spread * (0.3 + r), Math.sin(a) * spread * (0.3 + r)];
      fixed = false;
    }
    placed[node.id] = seed;
    graph.addNode(node.id, { x: seed[0], y: seed[1], size: node.size, fixed });
  }
  for (const e of req.edges) {
    if (e.source === e.target || !graph.hasNode(e.source) || !graph.hasNode(e.target)) continue;
    if (graph.hasEdge(e.source, e.target)) graph.updateEdgeAttribute(e.source, e.target, "weight", (w) => (w ?? 0) + e.weight);
    else graph.addEdge(e.source, e.target, { weight: e.weight });
  }
  // Tie each node to its visible parent so what came out of a folder stays by it.
  for (const node of req.nodes) {
    const p = node.parent;
    if (p && graph.hasNode(p) && p !== node.id && !graph.hasEdge(node.id, p)) graph.addEdge(node.id, p, { weight: 3 });
  }
  const moving = req.nodes.filter((node) => !known[node.id]).length;
  if (moving > 0 && n > 1000 && moving <= 0.1 * n) {
    // A few new nodes in a large laid-out view (a live update): each goes next to the mean of its
    // placed neighbours; running the simulation over everything would cost ~0.5 s for no change.
    for (const node of req.nodes) {
      if (known[node.id]) continue;
      let sx = 0, sy = 0, k = 0;
      graph.forEachNeighbor(node.id, (other) => {
        const p = known[other];
        if (p) { sx += p[0]; sy += p[1]; k++; }
      });
      if (k === 0) continue;
      const a = hash(node.id) * Math.PI * 2, r = 10 + 20 * hash(node.id + "r");
      graph.mergeNodeAttributes(node.id, { x: sx / k + Math.cos(a) * r, y: sy / k + Math.sin(a) * r });
    }
  } else if (moving > 0 && n > 1) {
    const iterations = n <= 300 ? 300 : n <= 2000 ? 120 : n <= 8000 ? 40 : 15;
    const settings = forceAtlas2.inferSettings(graph);
    forceAtlas2.assign(graph, {
      iterations,
      getEdgeWeight: (_e, attr) => Math.log2(1 + (attr.weight as number)),
      settings: { ...settings, adjustSizes: n <= 2000, barnesHutOptimize: n > 1000, slowDown: 2, outboundAttractionDistribution: true },
    });
  }
  const out: Positions = {};
  graph.forEachNode((id, attr) => { out[id] = [attr.x, attr.y]; });
  return out;
}

function tree(req: LayoutRequest): Positions {
  // Radial folder tree: the implied folder hierarchy (including expanded folders, which are not
  // drawn) fans out from the centre; each subtree gets an angle proportional to its leaves.
  const children = new Map<string, string[]>();
  const visible = new Set(req.nodes.map((n) => n.id));
  const add = (parent: string, child: string) => {
    const list = children.get(parent) ?? [];
    if (!list.includes(child)) list.push(child);
    children.set(parent, list);
  };
  for (const node of req.nodes) {
    const chain = parentChain(node.id, node.parent);
    let child = node.id;
    for (const ancestor of chain) { add(ancestor, child); child = ancestor; }
    add("", child);
  }
  const leaves = new Map<string, number>();
  const count = (id: string): number => {
    const kids = children.get(id) ?? [];
    const value = kids.length ? kids.reduce((s, k) => s + count(k), 0) : 1;
    leaves.set(id, value);
    return value;
  };
  count("");
  const out: Positions = {};
  const place = (id: string, depth: number, from: number, to: number) => {
    const angle = (from + to) / 2;
    if (visible.has(id)) out[id] = [Math.cos(angle) * depth * 120, Math.sin(angle) * depth * 120];
    let start = from;
    const kids = (children.get(id) ?? []).slice().sort();
    for (const kid of kids) {
      const span = ((to - from) * (leaves.get(kid) ?? 1)) / Math.max(1, leaves.get(id) ?? 1);
      place(kid, depth + 1, start, start + span);
      start += span;
    }
  };
  place("", 0, 0, Math.PI * 2);
  return out;
}

function circle(req: LayoutRequest): Positions {
  // graphology-layout's circular layout, in path order: node i of n at angle 2πi/n.
  const graph = new Graph();
  req.nodes
    .slice()
    .sort((a, b) => (a.path ?? a.id).localeCompare(b.path ?? b.id))
    .forEach((node) => graph.mergeNode(node.id));
  const placed = circular(graph, { center: 0, scale: Math.max(100, graph.order * 6) });
  const out: Positions = {};
  for (const [id, point] of Object.entries(placed)) out[id] = [point.x, point.y];
  return out;
}

self.onmessage = (event: MessageEvent<{ id: number; request: LayoutRequest }>) => {
  const { id, request } = event.data;
  const started = performance.now();
  const positions = request.mode === "tree" ? tree(request) : request.mode === "circle" ? circle(request) : force(request);
  (self as unknown as Worker).postMessage({ id, positions, ms: performance.now() - started });
};
