// An overview of the whole view with the camera's viewport as a rectangle; a click (or Enter on the
// focused minimap, which centres) moves the camera there. Nodes are drawn once per view into an
// offscreen canvas; only the rectangle is redrawn as the camera moves (at most once a frame).
import { useEffect, useRef } from "react";
import type Sigma from "sigma";
import type { ViewNode } from "./api";
import type { Positions } from "./layout.worker";
import { nodeColor } from "./style";

const W = 180, H = 120, PAD = 6;

interface Box { minX: number; minY: number; scale: number; flipY: boolean; offX: number; offY: number }

export default function Minimap({ renderer, nodes, positions }: {
  renderer: Sigma | null; nodes: ViewNode[]; positions: Positions;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const dots = useRef<HTMLCanvasElement | null>(null);
  const box = useRef<Box | null>(null);
  const frame = useRef<number | null>(null);

  const draw = () => {
    frame.current = null;
    const ctx = canvas.current?.getContext("2d");
    if (!ctx || !renderer || !box.current) return;
    ctx.clearRect(0, 0, W, H);
    if (dots.current) ctx.drawImage(dots.current, 0, 0);
    const { width, height } = renderer.getDimensions();
    const a = toMap(box.current, renderer.viewportToGraph({ x: 0, y: 0 }));
    const b = toMap(box.current, renderer.viewportToGraph({ x: width, y: height }));
    const x = Math.min(a[0], b[0]), y = Math.min(a[1], b[1]);
    ctx.strokeStyle = "#ffffffcc";
    ctx.lineWidth = 1;
    ctx.strokeRect(Math.round(x) + 0.5, Math.round(y) + 0.5, Math.max(2, Math.abs(b[0] - a[0])), Math.max(2, Math.abs(b[1] - a[1])));
    const el = canvas.current!;
    el.dataset.viewport = [x, y, Math.abs(b[0] - a[0]), Math.abs(b[1] - a[1])].map((v) => v.toFixed(1)).join(",");
  };
  const schedule = () => { if (frame.current === null) frame.current = requestAnimationFrame(draw); };

  // The node dots, once per view.
  useEffect(() => {
    if (!renderer || !nodes.length) return;
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (const n of nodes) {
      const p = positions[n.id];
      if (!p) continue;
      minX = Math.min(minX, p[0]); maxX = Math.max(maxX, p[0]); minY = Math.min(minY, p[1]); maxY = Math.max(maxY, p[1]);
    }
    if (!Number.isFinite(minX)) return;
    const spanX = Math.max(maxX - minX, 1e-6), spanY = Math.max(maxY - minY, 1e-6);
    const scale = Math.min((W - 2 * PAD) / spanX, (H - 2 * PAD) / spanY);
    // Sigma draws graph y upwards; follow whatever it does so the rectangle matches the picture.
    const flipY = renderer.graphToViewport({ x: 0, y: 0 }).y > renderer.graphToViewport({ x: 0, y: 1 }).y;
    box.current = { minX, minY, scale, flipY, offX: (W - spanX * scale) / 2, offY: (H - spanY * scale) / 2 };
    box.current.minY = flipY ? maxY : minY;
    const off = dots.current ?? document.createElement("canvas");
    off.width = W; off.height = H;
    const ctx = off.getContext("2d")!;
    ctx.clearRect(0, 0, W, H);
    const size = nodes.length > 2000 ? 1 : 2;
    for (const n of nodes) {
      const p = positions[n.id];
      if (!p) continue;
      const [x, y] = toMap(box.current, { x: p[0], y: p[1] });
      ctx.fillStyle = nodeColor(n);
      ctx.fillRect(x, y, size, size);
    }
    dots.current = off;
    canvas.current!.dataset.nodes = String(nodes.length);
    schedule();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [renderer, nodes, positions]);

  useEffect(() => {
    if (!renderer) return;
    const camera = renderer.getCamera();
    camera.on("updated", schedule);
    renderer.on("resize", schedule);
    return () => { camera.off("updated", schedule); renderer.off("resize", schedule); };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [renderer]);

  const moveTo = (mx: number, my: number) => {
    if (!renderer || !box.current) return;
    const g = fromMap(box.current, mx, my);
    const target = renderer.viewportToFramedGraph(renderer.graphToViewport(g));
    void renderer.getCamera().animate({ x: target.x, y: target.y }, { duration: 250 });
  };

  return (
    <canvas ref={canvas} className="minimap" width={W} height={H} data-testid="minimap" tabIndex={0}
      aria-label="minimap: click to move the view there"
      onClick={(e) => { const r = e.currentTarget.getBoundingClientRect(); moveTo(e.clientX - r.left, e.clientY - r.top); }}
      onKeyDown={(e) => { if (e.key === "Enter") moveTo(W / 2, H / 2); }} />
  );
}

function toMap(b: Box, p: { x: number; y: number }): [number, number] {
  const y = b.flipY ? b.minY - p.y : p.y - b.minY;
  return [b.offX + (p.x - b.minX) * b.scale, b.offY + y * b.scale];
}

function fromMap(b: Box, mx: number, my: number): { x: number; y: number } {
  const x = b.minX + (mx - b.offX) / b.scale;
  const dy = (my - b.offY) / b.scale;
  return { x, y: b.flipY ? b.minY - dy : b.minY + dy };
}
