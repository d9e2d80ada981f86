// Layouts off the main thread. A view of up to NESTED_MAX_NODES is laid out nested and from
// scratch (groups first, then each group's children inside its region: deterministic, so a view
// always looks the same). A larger one keeps the incremental force layout: positions already known
// (from the cache or the previous view) stay fixed, so the picture a person has learned does not
// move when the graph grows; new nodes start next to the aggregate they came out of and only they
// are moved by the force simulation.
import Graph from "graphology";
import { circular } from "graphology-layout";
import forceAtlas2 from "graphology-layout-forceatlas2";
import { NESTED_MAX_NODES, nesting } from "./groups";

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

const ITEM_PAD = 14; // room around a node (graph units ~ screen px at fit) for its label to start
const GROUP_PAD = 40; // margin inside a group's region, so neighbouring groups stay apart

interface Item { id: string; r: number }

// Items (nodes, or whole groups already laid out) placed around (0, 0) without overlapping: seeded
// on a golden-angle spiral in a fixed order, pulled together along their links by ForceAtlas2
// (sizes respected), then pushed apart pairwise until no two discs overlap. No randomness: the same
// view always gives the same picture.
function arrange(items: Item[], links: Map<string, number>): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  if (items.length === 1) { out.set(items[0].id, [0, 0]); return out; }
  const order = items.slice().sort((a, b) => b.r - a.r || (a.id < b.id ? -1 : 1));
  const mean = order.reduce((s, it) => s + it.r, 0) / order.length;
  const graph = new Graph({ type: "undirected", multi: false, allowSelfLoops: false });
  order.forEach((it, i) => {
    const angle = i * 2.399963, dist = 2 * mean * Math.sqrt(i);
    graph.addNode(it.id, { x: Math.cos(angle) * dist, y: Math.sin(angle) * dist, size: it.r });
  });
  for (const [key, weight] of links) {
    const [a, b] = key.split("\u0000");
    if (a !== b && graph.hasNode(a) && graph.hasNode(b) && !graph.hasEdge(a, b)) graph.addEdge(a, b, { weight });
  }
  if (graph.size > 0) {
    forceAtlas2.assign(graph, {
      iterations: order.length <= 300 ? 150 : 60,
      getEdgeWeight: (_e, attr) => Math.log2(1 + (attr.weight as number)),
      settings: { ...forceAtlas2.inferSettings(graph), adjustSizes: true, barnesHutOptimize: false, slowDown: 2, gravity: 1 },
    });
  }
  const p = order.map((it) => [graph.getNodeAttribute(it.id, "x") as number, graph.getNodeAttribute(it.id, "y") as number]);
  const r = order.map((it) => it.r);
  const rounds = order.length <= 300 ? 200 : order.length <= 1000 ? 30 : 0;
  for (let round = 0; round < rounds; round++) {
    let moved = false;
    for (let i = 0; i < p.length; i++) {
      for (let j = i + 1; j < p.length; j++) {
        let dx = p[j][0] - p[i][0], dy = p[j][1] - p[i][1];
        let d = Math.hypot(dx, dy);
        const min = r[i] + r[j];
        if (d >= min) continue;
        if (d < 1e-6) { const a = hash(order[i].id + order[j].id) * Math.PI * 2; dx = Math.cos(a); dy = Math.sin(a); d = 1; }
        const push = (min - d) / 2 + 0.01;
        p[i][0] -= (dx / d) * push; p[i][1] -= (dy / d) * push;
        p[j][0] += (dx / d) * push; p[j][1] += (dy / d) * push;
        moved = true;
      }
    }
    if (!moved) break;
  }
  const cx = p.reduce((s, q) => s + q[0], 0) / p.length, cy = p.reduce((s, q) => s + q[1], 0) / p.length;
  order.forEach((it, i) => out.set(it.id, [p[i][0] - cx, p[i][1] - cy]));
  return out;
}

// Groups first, then each group's children inside its region: every group (innermost first) is
// laid out on its own as a disc, and a disc is one item of the group around it. Edges pull items
// together at the level where their ends part: an import from a/x.py to b/y.py pulls group a
// towards group b, not x out of a.
function nested(req: LayoutRequest): Positions {
  const { groupOf, parentGroup, groups } = nesting(req.nodes);
  const chain = (group: string): string[] => {
    const out = [group];
    while (group) { group = parentGroup.get(group) ?? ""; out.push(group); }
    return out; // innermost first, "" last
  };
  const depthOf = new Map(["", ...groups].map((g) => [g, chain(g).length]));
  const items = new Map<string, Item[]>(["", ...groups].map((g) => [g, []]));
  const links = new Map<string, Map<string, number>>(["", ...groups].map((g) => [g, new Map()]));
  for (const node of req.nodes) items.get(groupOf.get(node.id) ?? "")!.push({ id: node.id, r: node.size + ITEM_PAD });
  // The item standing for a node at a level: the node itself in its own group, else the group
  // (one level below) that holds it.
  const itemAt = (node: string, level: string): string | null => {
    let item = node, group = groupOf.get(node) ?? "";
    while (group !== level) {
      if (!group) return null;
      item = group;
      group = parentGroup.get(group) ?? "";
    }
    return item;
  };
  const link = (a: string, b: string, weight: number) => {
    const chainA = chain(groupOf.get(a) ?? ""), chainB = new Set(chain(groupOf.get(b) ?? ""));
    const level = chainA.find((g) => chainB.has(g)) ?? "";
    const ia = itemAt(a, level), ib = itemAt(b, level);
    if (!ia || !ib || ia === ib) return;
    const key = ia < ib ? `${ia}\u0000${ib}` : `${ib}\u0000${ia}`;
    const m = links.get(level)!;
    m.set(key, (m.get(key) ?? 0) + weight);
  };
  const drawn = new Set(req.nodes.map((n) => n.id));
  for (const e of req.edges) if (drawn.has(e.source) && drawn.has(e.target)) link(e.source, e.target, e.weight);
  for (const node of req.nodes) if (node.parent && drawn.has(node.parent)) link(node.id, node.parent, 3); // a symbol by its file
  const local = new Map<string, Map<string, [number, number]>>();
  const inner = groups.slice().sort((a, b) => depthOf.get(b)! - depthOf.get(a)! || (a < b ? -1 : 1));
  for (const group of [...inner, ""]) {
    const placed = arrange(items.get(group)!, links.get(group)!);
    local.set(group, placed);
    if (!group) break;
    let radius = 0;
    for (const it of items.get(group)!) {
      const q = placed.get(it.id)!;
      radius = Math.max(radius, Math.hypot(q[0], q[1]) + it.r);
    }
    items.get(parentGroup.get(group) ?? "")!.push({ id: group, r: radius + GROUP_PAD });
  }
  // Top down: a group's children at its centre plus their offsets.
  const centre = new Map<string, [number, number]>([["", [0, 0]]]);
  const out: Positions = {};
  for (const group of ["", ...inner.slice().reverse()]) {
    const [cx, cy] = centre.get(group)!;
    for (const [id, [x, y]] of local.get(group)!) {
      if (drawn.has(id)) out[id] = [cx + x, cy + y];
      else centre.set(id, [cx + x, cy + y]);
    }
  }
  return out;
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
  const positions = request.mode === "tree" ? tree(request) : request.mode === "circle" ? circle(request)
    : request.nodes.length <= NESTED_MAX_NODES ? nested(request) : force(request);
  (self as unknown as Worker).postMessage({ id, positions, ms: performance.now() - started });
};
