// The autonomy view's data and colours: per-file defect risk for the heat map, remediation actions
// and the timeline (the remediation GraphQL contract: app/remediation/schema.py). Small and loaded
// with the project view; the panel itself (AutonomyView.tsx) is loaded lazily.
import { useCallback, useEffect, useMemo, useState } from "react";
import { gql, type ViewNode } from "./api";

export interface RiskFactor { feature: string; value: number; contribution: number; text: string }
export interface FileRisk { fileId: string; path: string; lines: number; probability: number; confidence: number; topFactors: RiskFactor[] }
export type ActionStatus = "PROPOSED" | "PENDING_APPROVAL" | "APPROVED" | "REJECTED" | "EXECUTED" | "FAILED";
export interface RemediationAction {
  id: string; action: string; status: ActionStatus; reason: string; shadow: boolean; wouldExecute: boolean;
  recommended: boolean; createdAt: string | null; updatedAt: string | null; escalatedAt: string | null;
  resultId: string | null; error: string | null;
  prediction: { id: string; probability: number; confidence: number; targetId: string | null; targetPath: string | null } | null;
}
export interface TimelineEntry {
  at: string; kind: string; event: string; predictionId: string | null; actionId: string | null;
  action: string | null; status: ActionStatus | null; targetPath: string | null; probability: number | null; summary: string;
}

const ACTION_FIELDS = `id action status reason shadow wouldExecute recommended createdAt updatedAt escalatedAt resultId error
  prediction { id probability confidence targetId targetPath }`;

// The heat map colours at most this many files (the riskiest); the API refuses a cost above 50k.
const RISK_FILE_LIMIT = 5000;

export async function fetchFileRisks(projectId: string): Promise<FileRisk[]> {
  const data = await gql<{ fileRisks: FileRisk[] }>(
    `query R($p: ID!, $first: Int!) { fileRisks(projectId: $p, first: $first) { fileId path lines probability confidence topFactors } }`, { p: projectId, first: RISK_FILE_LIMIT });
  return data.fileRisks.map((r) => ({ ...r, topFactors: Array.isArray(r.topFactors) ? r.topFactors : [] }));
}

export async function fetchActions(projectId: string): Promise<RemediationAction[]> {
  const data = await gql<{ remediationActions: RemediationAction[] }>(
    `query A($p: ID!) { remediationActions(projectId: $p, first: 200) { ${ACTION_FIELDS} } }`, { p: projectId });
  return data.remediationActions;
}

export async function fetchTimeline(projectId: string): Promise<TimelineEntry[]> {
  const data = await gql<{ predictionTimeline: TimelineEntry[] }>(
    `query T($p: ID!) { predictionTimeline(projectId: $p, first: 300) {
       at kind event predictionId actionId action status targetPath probability summary } }`, { p: projectId });
  return data.predictionTimeline;
}

export async function approveAction(id: string): Promise<RemediationAction> {
  const data = await gql<{ approveRemediation: RemediationAction }>(
    `mutation Ap($id: ID!) { approveRemediation(id: $id) { ${ACTION_FIELDS} } }`, { id });
  return data.approveRemediation;
}

export async function rejectAction(id: string, reason: string | null): Promise<RemediationAction> {
  const data = await gql<{ rejectRemediation: RemediationAction }>(
    `mutation Rj($id: ID!, $reason: String) { rejectRemediation(id: $id, reason: $reason) { ${ACTION_FIELDS} } }`, { id, reason });
  return data.rejectRemediation;
}

// Heat map colours: green (unlikely to need a fix) through amber to red; grey = no prediction.
export const NO_RISK_COLOR = "#5a606b";
const STOPS: [number, [number, number, number]][] = [[0, [46, 160, 67]], [0.35, [227, 179, 65]], [0.7, [240, 113, 56]], [1, [218, 54, 51]]];

export function riskColor(probability: number | null | undefined): string {
  if (probability == null || Number.isNaN(probability)) return NO_RISK_COLOR;
  const p = Math.min(1, Math.max(0, probability));
  let i = 1;
  while (i < STOPS.length - 1 && p > STOPS[i][0]) i++;
  const [a, ca] = STOPS[i - 1], [b, cb] = STOPS[i];
  const t = (p - a) / (b - a || 1);
  const hex = (k: number) => Math.round(ca[k] + (cb[k] - ca[k]) * t).toString(16).padStart(2, "0");
  return `#${hex(0)}${hex(1)}${hex(2)}`;
}

export const RISK_LEGEND = [0, 0.25, 0.5, 0.75, 1];

// Node size by lines of code (files and groups alike): the heat map's area shows where the code is.
export function linesSize(n: ViewNode): number {
  if (n.entity === "Symbol") return 4;
  const base = n.entity === "File" ? 4 : 7;
  return base + Math.min(n.entity === "File" ? 14 : 24, 1.6 * Math.log2(1 + Math.max(0, n.loc || 0)) - 2);
}

export interface RiskIndex {
  byFile: Map<string, FileRisk>;
  pendingByFile: Map<string, RemediationAction[]>;
  statusByFile: Map<string, ActionStatus>;
}

export function indexRisks(risks: FileRisk[], actions: RemediationAction[]): RiskIndex {
  const byFile = new Map(risks.map((r) => [r.fileId, r]));
  const pendingByFile = new Map<string, RemediationAction[]>();
  const statusByFile = new Map<string, ActionStatus>();
  // Newest first from the API: the first action seen for a file is its current state.
  for (const a of actions) {
    const file = a.prediction?.targetId;
    if (!file) continue;
    if (!statusByFile.has(file)) statusByFile.set(file, a.status);
    if (a.status === "PENDING_APPROVAL") pendingByFile.set(file, [...(pendingByFile.get(file) ?? []), a]);
  }
  return { byFile, pendingByFile, statusByFile };
}

// The heat of a node: a file's own probability; a folder's is the highest of the files under it
// (the hot spot is what a reviewer looks for); communities carry no paths and stay grey.
export function nodeRisk(n: ViewNode, index: RiskIndex, risks: FileRisk[]): number | null {
  if (n.entity === "File") return index.byFile.get(n.fileId ?? n.id)?.probability ?? null;
  if (n.entity === "Folder" && n.path != null) {
    let top: number | null = null;
    for (const r of risks) if (r.path.startsWith(n.path) && (top === null || r.probability > top)) top = r.probability;
    return top;
  }
  return null;
}

export const STATUS_LABEL: Record<ActionStatus, string> = {
  PROPOSED: "proposed", PENDING_APPROVAL: "awaiting approval", APPROVED: "approved", REJECTED: "rejected",
  EXECUTED: "executed", FAILED: "failed",
};

export interface AutonomyData {
  risks: FileRisk[]; actions: RemediationAction[]; timeline: TimelineEntry[]; index: RiskIndex;
  error: string | null; loaded: boolean; reload(): Promise<void>;
}

const EMPTY_INDEX: RiskIndex = { byFile: new Map(), pendingByFile: new Map(), statusByFile: new Map() };

// Everything the autonomy view shows for a project, loaded together (null project = off).
export function useAutonomy(projectId: string | null): AutonomyData {
  const [risks, setRisks] = useState<FileRisk[]>([]);
  const [actions, setActions] = useState<RemediationAction[]>([]);
  const [timeline, setTimeline] = useState<TimelineEntry[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const reload = useCallback(async () => {
    if (!projectId) return;
    try {
      const [r, a, t] = await Promise.all([fetchFileRisks(projectId), fetchActions(projectId), fetchTimeline(projectId)]);
      setRisks(r); setActions(a); setTimeline(t); setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setLoaded(true);
    }
  }, [projectId]);
  useEffect(() => { setLoaded(false); void reload(); }, [reload]);
  const index = useMemo(() => (projectId ? indexRisks(risks, actions) : EMPTY_INDEX), [projectId, risks, actions]);
  return { risks, actions, timeline, index, error, loaded, reload };
}
