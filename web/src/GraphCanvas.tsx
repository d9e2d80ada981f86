// The WebGL canvas: sigma.js 3 with the non-instanced point and line programs (instanced draws are
// 10-20x slower on software-rendered WebGL). Loaded lazily so it is not in the initial bundle.
import { forwardRef, useEffect, useImperativeHandle, useRef } from "react";
import Graph from "graphology";
import Sigma from "sigma";
import { EdgeLineProgram, EdgeRectangleProgram, NodePointProgram } from "sigma/rendering";
import type { ViewEdge, ViewNode } from "./api";
import { EDGE_COLORS, nodeColor, nodeLabel, nodeSize } from "./style";
import type { Positions } from "./layout.worker";

export interface CanvasHandle { fit(): void; zoom(factor: number): void; focus(id: string): void }
interface Props {
  nodes: ViewNode[]; edges: ViewEdge[]; positions: Positions; selected: string | null;
  onNodeClick(id: string): void; onStageClick(): void;
}

const RECT_EDGE_LIMIT = 3000; // above this, 1px lines: thick edges cost a draw per edge here

function buildGraph(nodes: ViewNode[], edges: ViewEdge[], positions: Positions): Graph {
  const graph = new Graph({ multi: true, type: "directed" });
  for (const n of nodes) {
    const p = positions[n.id] ?? [0, 0];
    graph.addNode(n.id, { x: p[0], y: p[1], size: nodeSize(n), color: nodeColor(n), label: nodeLabel(n), entity: n.entity });
  }
  const thick = edges.length <= RECT_EDGE_LIMIT;
  const maxWeight = edges.reduce((m, e) => Math.max(m, e.weight), 1);
  for (const e of edges) {
    if (!graph.hasNode(e.source) || !graph.hasNode(e.target)) continue;
    graph.addEdge(e.source, e.target, {
      type: thick ? "rect" : "line", color: EDGE_COLORS[e.type] ?? "#888",
      size: thick ? 0.6 + 5 * Math.sqrt(e.weight / maxWeight) : 1, label: `${e.type} ×${e.weight}`,
    });
  }
  return graph;
}

const GraphCanvas = forwardRef<CanvasHandle, Props>(function GraphCanvas(props, ref) {
  const container = useRef<HTMLDivElement>(null);
  const sigma = useRef<Sigma | null>(null);
  const handlers = useRef(props);
  handlers.current = props;

  useEffect(() => {
    const renderer = new Sigma(new Graph({ multi: true }), container.current!, {
      defaultNodeType: "point", defaultEdgeType: "line",
      nodeProgramClasses: { point: NodePointProgram },
      edgeProgramClasses: { line: EdgeLineProgram, rect: EdgeRectangleProgram },
      labelRenderedSizeThreshold: 7, labelDensity: 0.6, labelColor: { color: "#d7dae0" },
      zIndex: true, minCameraRatio: 0.02, maxCameraRatio: 20,
    });
    renderer.on("clickNode", ({ node }) => handlers.current.onNodeClick(node));
    renderer.on("clickStage", () => handlers.current.onStageClick());
    sigma.current = renderer;
    (window as unknown as { __vislzr?: unknown }).__vislzr = { sigma: renderer };
    return () => { renderer.kill(); sigma.current = null; };
  }, []);

  // One batched update per view: a fresh graph swapped in, so sigma re-indexes once, not per change.
  useEffect(() => {
    const renderer = sigma.current;
    if (!renderer) return;
    const started = performance.now();
    const graph = buildGraph(props.nodes, props.edges, props.positions);
    renderer.setGraph(graph);
    const el = container.current!;
    el.dataset.renderedNodes = String(graph.order);
    el.dataset.renderedEdges = String(graph.size);
    el.dataset.drawMs = String(Math.round(performance.now() - started));
    el.dataset.version = String(Number(el.dataset.version ?? 0) + 1);
  }, [props.nodes, props.edges, props.positions]);

  useEffect(() => {
    const renderer = sigma.current;
    if (!renderer) return;
    const selected = props.selected;
    renderer.setSetting("nodeReducer", (node, data) =>
      node === selected ? { ...data, highlighted: true, size: (data.size ?? 4) * 1.6, zIndex: 2, forceLabel: true } : data);
    renderer.setSetting("edgeReducer", (edge, data) => {
      if (!selected) return data;
      const g = renderer.getGraph();
      return g.source(edge) === selected || g.target(edge) === selected ? { ...data, zIndex: 1 } : { ...data, color: data.color + "55" };
    });
  }, [props.selected, props.nodes]);

  useImperativeHandle(ref, () => ({
    fit: () => sigma.current?.getCamera().animatedReset({ duration: 300 }),
    zoom: (factor: number) => {
      const camera = sigma.current?.getCamera();
      if (camera) void camera.animate({ ratio: camera.getState().ratio / factor }, { duration: 200 });
    },
    focus: (id: string) => {
      const renderer = sigma.current;
      if (!renderer || !renderer.getGraph().hasNode(id)) return;
      const display = renderer.getNodeDisplayData(id);
      if (display) void renderer.getCamera().animate({ x: display.x, y: display.y, ratio: 0.35 }, { duration: 400 });
    },
  }), []);

  return <div ref={container} className="canvas" data-testid="graph-canvas" />;
});

export default GraphCanvas;
