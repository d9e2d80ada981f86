// Shareable state: everything a view needs is in the URL's query string.
import { GUESS_BELOW, type ViewFilters } from "./api";

export interface UrlState {
  project: string | null; grouping: "folders" | "communities"; layout: "force" | "tree" | "circle";
  depth: number; expanded: string[]; focus: string | null; mode: "graph" | "table"; filters: ViewFilters;
  // Calls below this confidence are left out (the API's minConfidence); by default the guesses.
  minConfidence: number;
  risk: boolean; // the autonomy view: risk heat map colours and the remediation panel (?risk=1)
  // The workflow view (WorkflowView.tsx): `view=workflows`, the workflow, execution and step shown.
  view: "workflows" | null; workflow: string | null; execution: string | null; step: string | null;
}

const list = (value: string | null) => (value ? value.split(",").filter(Boolean) : []);

function confidence(value: string | null): number {
  const n = value === null ? NaN : Number(value);
  return Number.isFinite(n) && n >= 0 && n <= 1 ? n : GUESS_BELOW;
}

export function readUrl(): UrlState {
  const q = new URLSearchParams(window.location.search);
  const grouping = q.get("grouping") === "communities" ? "communities" : "folders";
  const layout = (["force", "tree", "circle"].includes(q.get("layout") ?? "") ? q.get("layout") : "force") as UrlState["layout"];
  return {
    project: q.get("project"), grouping, layout,
    depth: Math.min(8, Math.max(1, Number(q.get("depth") ?? 1) || 1)),
    expanded: list(q.get("expanded")), focus: q.get("focus"),
    mode: q.get("mode") === "table" ? "table" : "graph",
    filters: {
      languages: list(q.get("lang")), kinds: list(q.get("kind")), edgeTypes: list(q.get("edge")),
      entities: list(q.get("entity")), pathPrefix: q.get("prefix") ?? "",
    },
    minConfidence: confidence(q.get("minConfidence")),
    risk: q.get("risk") === "1",
    view: q.get("view") === "workflows" ? "workflows" : null,
    workflow: q.get("workflow"), execution: q.get("execution"), step: q.get("step"),
  };
}

export function writeUrl(state: UrlState, push = false): void {
  const q = new URLSearchParams();
  if (state.view === "workflows") {
    q.set("view", state.view);
    if (state.workflow) q.set("workflow", state.workflow);
    if (state.execution) q.set("execution", state.execution);
    if (state.step) q.set("step", state.step);
  }
  if (state.project && !state.view) q.set("project", state.project);
  if (state.project && !state.view) {
    if (state.grouping !== "folders") q.set("grouping", state.grouping);
    if (state.layout !== "force") q.set("layout", state.layout);
    if (state.depth !== 1) q.set("depth", String(state.depth));
    if (state.expanded.length) q.set("expanded", state.expanded.join(","));
    if (state.focus) q.set("focus", state.focus);
    if (state.mode !== "graph") q.set("mode", state.mode);
    const f = state.filters;
    if (f.languages.length) q.set("lang", f.languages.join(","));
    if (f.kinds.length) q.set("kind", f.kinds.join(","));
    if (f.edgeTypes.length) q.set("edge", f.edgeTypes.join(","));
    if (f.entities.length) q.set("entity", f.entities.join(","));
    if (f.pathPrefix) q.set("prefix", f.pathPrefix);
    if (state.minConfidence !== GUESS_BELOW) q.set("minConfidence", String(state.minConfidence));
    if (state.risk) q.set("risk", "1");
  }
  const url = `${window.location.pathname}${q.toString() ? "?" + q.toString() : ""}`;
  if (url === `${window.location.pathname}${window.location.search}`) return;
  if (push) window.history.pushState(null, "", url);
  else window.history.replaceState(null, "", url);
}
