// A workflow's steps as a layered DAG (steps left to right along their `needs`), laid out by
// @dagrejs/dagre: the maintained Sugiyama-style layout (layers, crossing reduction, edge routes) a
// few tens of steps need. It is small and synchronous; ELK would add ~1.4 MB for nothing here.
import dagre from "@dagrejs/dagre";
import type { StepStatus, WorkflowStep } from "./workflowApi";

export const NODE_WIDTH = 210;
export const NODE_HEIGHT = 52;

export interface DagNode { id: string; agent: string; x: number; y: number }
export interface DagEdge { from: string; to: string; points: { x: number; y: number }[] }
export interface DagLayout { nodes: DagNode[]; edges: DagEdge[]; width: number; height: number }

export function layoutDag(steps: WorkflowStep[]): DagLayout {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "LR", nodesep: 28, ranksep: 64, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const s of steps) g.setNode(s.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const s of steps) for (const need of s.needs) if (g.hasNode(need)) g.setEdge(need, s.id);
  dagre.layout(g);
  const graph = g.graph();
  return {
    nodes: steps.map((s) => { const n = g.node(s.id); return { id: s.id, agent: s.agent, x: n.x, y: n.y }; }),
    edges: g.edges().map((e) => ({ from: e.v, to: e.w, points: g.edge(e).points ?? [] })),
    width: graph.width ?? 0, height: graph.height ?? 0,
  };
}

export const STATUS_COLORS: Record<StepStatus, string> = {
  pending: "#5c6370", running: "#d19a66", passed: "#3fb26f", failed: "#e0555f", skipped: "#7f8796", cancelled: "#a67cc9",
};

// Settled states win over "running", which wins over "pending": lines replayed after a re-read of
// the execution never move a step back.
const RANK: Record<StepStatus, number> = { pending: 0, running: 1, passed: 2, failed: 2, skipped: 2, cancelled: 2 };

export function advance(current: StepStatus | undefined, next: StepStatus): StepStatus {
  return current && RANK[current] > RANK[next] ? current : next;
}

export function durationText(start: string | null, end: string | null): string {
  if (!start) return "—";
  const ms = (end ? Date.parse(end) : Date.now()) - Date.parse(start);
  if (!Number.isFinite(ms) || ms < 0) return "—";
  return ms < 1000 ? `${ms} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

// The project-view URL state that shows a file's node: its folder opened (as a search hit does).
export function fileFocus(path: string | null, fileId: string): { focus: string; expanded: string[] } {
  const cut = (path ?? "").lastIndexOf("/");
  return { focus: fileId, expanded: [cut >= 0 ? `dir:${path!.slice(0, cut + 1)}` : fileId] };
}
