// Labels that never overlap. Sigma's own label pass picks labels per grid cell and draws them
// wherever they fall, so at a few hundred nodes they print over each other. This pass replaces it
// (same canvas, same moment in sigma's render, same font): candidates are taken most important
// first — the groups' names, then folders and communities, then by size and degree — and a label
// is placed right of its node, else left, below or above it, and left out when all four touch a
// label already drawn. Each group (an open folder or community) gets a
// faint outline of its region and its name above it.
import type Sigma from "sigma";

export interface LabelGroup { id: string; label: string; x: number; y: number; r: number; weight: number } // graph coords
export interface DrawnLabel { id: string; text: string; x: number; y: number; w: number; h: number; kind: "group" | "node" }

// Sigma's label pass and the fields it reads; not in its typings, hence the narrow cast.
interface LabelInternals {
  renderLabels(): unknown;
  canvasContexts: { labels: CanvasRenderingContext2D };
  displayedNodeLabels: Set<string>;
  settings: {
    renderLabels: boolean; labelSize: number; labelFont: string; labelWeight: string;
    labelColor: { color?: string }; labelRenderedSizeThreshold: number;
  };
}

const CELL = 64; // px: the spatial index's cell
const GAP = 2; // px kept free around every label box
const GROUP_COLOR = "#9fb0d8";
const OUTLINE = "rgba(159, 176, 216, 0.16)";

class BoxIndex {
  private cells = new Map<number, DrawnLabel[]>();
  private keys(b: DrawnLabel, each: (key: number) => boolean | void): boolean {
    for (let cx = Math.floor(b.x / CELL); cx <= Math.floor((b.x + b.w) / CELL); cx++)
      for (let cy = Math.floor(b.y / CELL); cy <= Math.floor((b.y + b.h) / CELL); cy++)
        if (each((cx + 4096) * 8192 + (cy + 4096))) return true;
    return false;
  }
  collides(b: DrawnLabel): boolean {
    return this.keys(b, (key) => (this.cells.get(key) ?? []).some((o) =>
      b.x - GAP < o.x + o.w && o.x - GAP < b.x + b.w && b.y - GAP < o.y + o.h && o.y - GAP < b.y + b.h));
  }
  add(b: DrawnLabel): void {
    this.keys(b, (key) => { const list = this.cells.get(key); if (list) list.push(b); else this.cells.set(key, [b]); });
  }
}

export interface LabelOptions {
  groups(): LabelGroup[];
  importance(node: string): number; // higher is drawn first
  alwaysCandidate(node: string): boolean; // group-level nodes are labelled however small
}

// Installs the pass on a renderer; returns a function giving the labels of the last frame.
export function installLabels(renderer: Sigma, options: LabelOptions): () => DrawnLabel[] {
  const internals = renderer as unknown as LabelInternals;
  let last: DrawnLabel[] = [];
  const widths = new Map<string, number>();
  internals.renderLabels = function renderLabelsWithoutOverlap() {
    const settings = internals.settings;
    if (!settings.renderLabels) return renderer;
    const started = performance.now();
    const ctx = internals.canvasContexts.labels; // sigma cleared it at the start of the frame
    const { width, height } = renderer.getDimensions();
    const size = settings.labelSize;
    const nodeFont = `${settings.labelWeight} ${size}px ${settings.labelFont}`;
    const groupFont = `bold ${size}px ${settings.labelFont}`;
    const measure = (text: string, font: string) => {
      const key = font + "\u0000" + text;
      let w = widths.get(key);
      if (w === undefined) { ctx.font = font; w = ctx.measureText(text).width; widths.set(key, w); }
      return w;
    };
    const index = new BoxIndex();
    const drawn: DrawnLabel[] = [];
    const displayed = new Set<string>();
    const onScreen = (b: DrawnLabel) => b.x >= 0 && b.y >= 0 && b.x + b.w <= width && b.y + b.h <= height;

    // Regions and names of the groups, the largest first.
    const groups = options.groups().slice().sort((a, b) => b.weight - a.weight || (a.id < b.id ? -1 : 1));
    ctx.strokeStyle = OUTLINE;
    ctx.lineWidth = 1;
    for (const g of groups) {
      const c = renderer.graphToViewport({ x: g.x, y: g.y });
      const e = renderer.graphToViewport({ x: g.x + g.r, y: g.y });
      const radius = Math.hypot(e.x - c.x, e.y - c.y);
      ctx.beginPath();
      ctx.arc(c.x, c.y, radius, 0, Math.PI * 2);
      ctx.stroke();
      const w = measure(g.label, groupFont);
      // Above the region, or below it when that is off screen or taken.
      const box = [c.y - radius - size * 1.3, c.y + radius]
        .map((y): DrawnLabel => ({ id: g.id, text: g.label, x: c.x - w / 2, y, w, h: size * 1.3, kind: "group" }))
        .find((b) => onScreen(b) && !index.collides(b));
      if (!box) continue;
      ctx.font = groupFont;
      ctx.fillStyle = GROUP_COLOR;
      ctx.fillText(g.label, box.x, box.y + size);
      index.add(box);
      drawn.push(box);
    }

    // Node labels, most important first; sigma's placement (right of the disc) and colour.
    const candidates: { node: string; x: number; y: number; size: number; label: string; rank: number }[] = [];
    renderer.getGraph().forEachNode((node) => {
      const data = renderer.getNodeDisplayData(node) as (ReturnType<Sigma["getNodeDisplayData"]> & { forceLabel?: boolean }) | undefined;
      if (!data || data.hidden || !data.label) return;
      const p = renderer.framedGraphToViewport(data);
      const scaled = renderer.scaleSize(data.size);
      const forced = !!data.forceLabel;
      if (!forced && scaled < settings.labelRenderedSizeThreshold && !options.alwaysCandidate(node)) return;
      if (p.x < -scaled || p.x > width + scaled || p.y < -scaled || p.y > height + scaled) return;
      candidates.push({ node, x: p.x, y: p.y, size: scaled, label: data.label, rank: forced ? Infinity : options.importance(node) });
    });
    candidates.sort((a, b) => b.rank - a.rank || (a.node < b.node ? -1 : 1));
    ctx.font = nodeFont;
    ctx.fillStyle = settings.labelColor.color ?? "#000";
    for (const c of candidates) {
      const w = measure(c.label, nodeFont), h = size * 1.3;
      // Right of the disc (sigma's place), else left, below or above it: the first that is free.
      const box = [
        [c.x + c.size + 3, c.y + size / 3 - size],
        [c.x - c.size - 3 - w, c.y + size / 3 - size],
        [c.x - w / 2, c.y + c.size + 2],
        [c.x - w / 2, c.y - c.size - 2 - h],
      ].map(([x, y]): DrawnLabel => ({ id: c.node, text: c.label, x, y, w, h, kind: "node" }))
        .find((b) => onScreen(b) && !index.collides(b));
      if (!box) continue;
      ctx.fillText(c.label, box.x, box.y + size);
      index.add(box);
      drawn.push(box);
      displayed.add(c.node);
    }
    internals.displayedNodeLabels = displayed; // sigma's edge labels follow the drawn node labels
    last = drawn;
    renderer.getContainer().dataset.labelMs = (performance.now() - started).toFixed(2); // the pass's cost, for the bench
    return renderer;
  };
  return () => last;
}
