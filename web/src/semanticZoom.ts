// Semantic zoom (issue #8): a user's zoom in past a threshold opens the collapsed group nearest the
// centre of the view, a zoom out past another closes the innermost open group. One action per
// gesture: the decision is taken once the camera has been still for SETTLE_MS, nothing more happens
// until the new view is drawn, and the camera is then brought back between the thresholds.
// Programmatic camera moves (search focus, fit, that re-centring) never count as a gesture.
// The decisions are the pure functions below; SemanticZoom wires them to a sigma camera.
import type Sigma from "sigma";
import type { CameraState } from "sigma/types";
import type { ViewNode } from "./api";

// Camera ratios relative to the fitted view (1), symmetric around it in log scale: from the fit it
// takes two wheel notches (sigma zooms ×1.7 a notch) or two +/− clicks (×1.5) to cross either one,
// so a single stray notch never changes the graph.
export const EXPAND_BELOW = 0.5;
export const COLLAPSE_ABOVE = 2;
export const SETTLE_MS = 300; // the camera has been still this long: the gesture is over
// After an expand the camera frames what the group opened into, zoomed in no further than this:
// from there one notch in opens the next group, two notches out close this one again.
export const REFRAME_MIN_RATIO = 0.75;
const PENDING_MS = 10_000; // an action whose view never arrives (an API error) stops blocking
const RECENTRE_MS = 300;

export type ZoomIntent = "expand" | "collapse" | null;

/** What a settled user zoom from ratio `before` to `after` asks for: it went towards a threshold and past it. */
export function zoomIntent(before: number, after: number): ZoomIntent {
  if (after < before && after < EXPAND_BELOW) return "expand";
  if (after > before && after > COLLAPSE_ABOVE) return "collapse";
  return null;
}

/** A node an expand opens: a folder or community (drawn only while collapsed), a closed file with symbols. */
export function isCollapsedGroup(n: ViewNode): boolean {
  if (n.entity === "Folder" || n.entity === "Community") return n.expandable;
  return n.entity === "File" && n.expandable && !n.expanded;
}

export interface ScreenPoint { id: string; x: number; y: number }

/** Of the points inside the width × height viewport, the one nearest its centre. */
export function nearestToCentre(points: ScreenPoint[], width: number, height: number): string | null {
  let best: string | null = null, bestDistance = Infinity;
  for (const p of points) {
    if (p.x < 0 || p.y < 0 || p.x > width || p.y > height) continue;
    const distance = (p.x - width / 2) ** 2 + (p.y - height / 2) ** 2;
    if (distance < bestDistance) { bestDistance = distance; best = p.id; }
  }
  return best;
}

export interface Box { minX: number; minY: number; maxX: number; maxY: number }

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/**
 * Where the camera goes after an action, in sigma's framed graph coordinates (the graph spans
 * [0, 1] and sits around 0.5; `view` is the size the viewport shows at ratio 1, the fit). With a
 * box (what an expand opened into): a ratio between the thresholds that frames the box, and the
 * centre as near the graph's as keeps the box in the middle 70% of the view, so as much of the
 * rest stays in sight. Without one (a collapse): the whole graph.
 */
export function reframe(box: Box | null, view: { width: number; height: number }): { x: number; y: number; ratio: number } {
  if (!box) return { x: 0.5, y: 0.5, ratio: 1 };
  const fit = 1.3 * Math.max((box.maxX - box.minX) / view.width, (box.maxY - box.minY) / view.height);
  const ratio = clamp(fit, REFRAME_MIN_RATIO, 1);
  const centre = (min: number, max: number, size: number) => {
    const reach = 0.35 * ratio * size; // from the centre of the view to the edge of its middle 70%
    const lo = max - reach, hi = min + reach;
    return lo <= hi ? clamp(0.5, lo, hi) : (min + max) / 2;
  };
  return { x: centre(box.minX, box.maxX, view.width), y: centre(box.minY, box.maxY, view.height), ratio };
}

// Whether the open group `outer` holds the open `inner` one (a subfolder, a file of the folder or community).
export function holds(outer: string, inner: string, nodes: Map<string, ViewNode>): boolean {
  if (outer === inner) return false;
  if (outer.startsWith("dir:")) {
    if (inner.startsWith("dir:")) return inner.startsWith(outer);
    const path = nodes.get(inner)?.path;
    return path != null && path.startsWith(outer.slice(4));
  }
  if (outer.startsWith("community:")) {
    const file = nodes.get(inner);
    return file?.entity === "File" && `community:${file.communityId ?? "none"}` === outer;
  }
  return false;
}

/** The group a zoom out closes: the most recently opened of those holding no other open group. */
export function innermostExpanded(expanded: string[], nodes: Map<string, ViewNode>): string | null {
  for (let i = expanded.length - 1; i >= 0; i--) {
    if (!expanded.some((other) => holds(expanded[i], other, nodes))) return expanded[i];
  }
  return null;
}

// The on/off switch, per browser (it is a preference, not part of a shareable view).
const SETTING = "vislzr.semanticZoom";
export function semanticZoomSetting(): boolean {
  try { return localStorage.getItem(SETTING) !== "off"; } catch { return true; }
}
export function storeSemanticZoomSetting(on: boolean): void {
  try { localStorage.setItem(SETTING, on ? "on" : "off"); } catch { /* storage unavailable: this page only */ }
}

export interface SemanticZoomHooks {
  enabled(): boolean;
  groups(): string[]; // the drawn collapsed groups
  expand(id: string): boolean; // opens it the way a click does; false when nothing changed
  collapse(): string | null; // closes the innermost open group the way a chip does; its id, or null
}

interface Pending { kind: "expand" | "collapse"; id: string; at: number }

export class SemanticZoom {
  private armed = false; // a wheel, pinch or zoom button moved the camera since the last settle
  private baseline: number; // the ratio at the last settle (or a programmatic move's target)
  private timer: number | null = null;
  private pending: Pending | null = null;
  private settles = 0;
  private actions = 0;

  constructor(private renderer: Sigma, private container: HTMLElement, private hooks: SemanticZoomHooks) {
    this.baseline = renderer.getCamera().getState().ratio;
    renderer.getCamera().on("updated", this.onCameraUpdated);
    // Capture: sigma's own wheel handler, on a canvas inside, stops the event's propagation.
    container.addEventListener("wheel", this.arm, { capture: true, passive: true });
    container.addEventListener("touchmove", this.arm, { capture: true, passive: true });
  }

  detach(): void {
    this.renderer.getCamera().off("updated", this.onCameraUpdated);
    this.container.removeEventListener("wheel", this.arm, { capture: true });
    this.container.removeEventListener("touchmove", this.arm, { capture: true });
    if (this.timer !== null) window.clearTimeout(this.timer);
  }

  /** A camera move the user asked for (the zoom buttons): a gesture like the wheel. */
  userMove(state: Partial<CameraState>, duration: number): void {
    this.armed = true;
    void this.renderer.getCamera().animate(state, { duration });
  }

  /** A camera move of the app's own (search focus, fit, the re-centring after an action): never a gesture. */
  move(state: Partial<CameraState>, duration: number): void {
    this.armed = false;
    if (state.ratio !== undefined) this.baseline = state.ratio;
    void this.renderer.getCamera().animate(state, { duration });
  }

  /** A new view is on the canvas: after an action, the camera goes back between the thresholds. */
  drawn(nodes: ViewNode[]): void {
    const pending = this.pending;
    this.pending = null;
    if (!pending || performance.now() - pending.at > PENDING_MS) return;
    let box: Box | null = null;
    if (pending.kind === "expand") {
      // What the group opened into (a file stays, its symbols join it).
      for (const node of nodes) {
        if (node.parent !== pending.id && node.id !== pending.id) continue;
        const d = this.renderer.getNodeDisplayData(node.id);
        if (!d) continue;
        box = box
          ? { minX: Math.min(box.minX, d.x), minY: Math.min(box.minY, d.y), maxX: Math.max(box.maxX, d.x), maxY: Math.max(box.maxY, d.y) }
          : { minX: d.x, minY: d.y, maxX: d.x, maxY: d.y };
      }
    }
    const { width, height } = this.renderer.getDimensions();
    const fit = { cameraState: { x: 0.5, y: 0.5, ratio: 1, angle: 0 } };
    const a = this.renderer.viewportToFramedGraph({ x: 0, y: 0 }, fit);
    const b = this.renderer.viewportToFramedGraph({ x: width, y: height }, fit);
    const view = { width: Math.abs(b.x - a.x) || 1, height: Math.abs(b.y - a.y) || 1 };
    this.move({ ...reframe(box, view), angle: 0 }, RECENTRE_MS);
  }

  private arm = (): void => { this.armed = true; };

  private onCameraUpdated = (): void => {
    if (this.timer !== null) window.clearTimeout(this.timer);
    this.timer = window.setTimeout(this.settle, SETTLE_MS);
  };

  private settle = (): void => {
    this.timer = null;
    const ratio = this.renderer.getCamera().getState().ratio;
    const busy = this.pending !== null && performance.now() - this.pending.at < PENDING_MS;
    const intent = this.armed && !busy && this.hooks.enabled() ? zoomIntent(this.baseline, ratio) : null;
    this.armed = false;
    this.baseline = ratio;
    this.settles++;
    let acted: string | null = null;
    if (intent === "expand") {
      const { width, height } = this.renderer.getDimensions();
      const points: ScreenPoint[] = [];
      for (const id of this.hooks.groups()) {
        const d = this.renderer.getNodeDisplayData(id);
        if (d) points.push({ id, ...this.renderer.framedGraphToViewport(d) });
      }
      const target = nearestToCentre(points, width, height);
      if (target && this.hooks.expand(target)) acted = target;
    } else if (intent === "collapse") acted = this.hooks.collapse();
    if (intent && acted) {
      this.pending = { kind: intent, id: acted, at: performance.now() };
      this.actions++;
      this.container.dataset.zoomLast = `${intent} ${acted}`;
    }
    // Read-only state for tests and debugging.
    this.container.dataset.zoomSettles = String(this.settles);
    this.container.dataset.zoomActions = String(this.actions);
  };
}
