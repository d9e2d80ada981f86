// Node styles by entity and kind, edge styles by type.
export const ENTITY_COLORS: Record<string, string> = {
  Folder: "#6c8cff", Community: "#b07cff", File: "#4fc3a1", Symbol: "#e6c07b",
};
export const KIND_COLORS: Record<string, string> = {
  Module: "#8fa1b3", Class: "#e06c75", Function: "#e6c07b", Method: "#d19a66",
  Interface: "#61afef", Type: "#56b6c2", Var: "#abb2bf",
};
export const LANG_COLORS: Record<string, string> = {
  python: "#4fc3a1", typescript: "#3aa0ff", tsx: "#3aa0ff", javascript: "#f1d34f", go: "#26c6da",
  rust: "#ff8a65", java: "#ef5350",
};
export const EDGE_COLORS: Record<string, string> = {
  IMPORTS: "#5b8def", CALLS: "#f0a35e", EXTENDS: "#c678dd", IMPLEMENTS: "#98c379", TESTS: "#56b6c2",
  DECLARES: "#4a5060",
};
export const SYMBOL_KINDS = ["Module", "Class", "Function", "Method", "Interface", "Type", "Var"];
export const EDGE_TYPES = ["IMPORTS", "CALLS", "EXTENDS", "IMPLEMENTS", "TESTS", "DECLARES"];
export const ENTITIES = ["Folder", "Community", "File", "Symbol"];

import type { ViewNode } from "./api";

export function nodeColor(n: ViewNode): string {
  if (n.entity === "Symbol") return KIND_COLORS[n.kind ?? ""] ?? ENTITY_COLORS.Symbol;
  if (n.entity === "File") return LANG_COLORS[n.lang ?? ""] ?? ENTITY_COLORS.File;
  return ENTITY_COLORS[n.entity];
}

export function nodeSize(n: ViewNode): number {
  if (n.entity === "Symbol") return 4;
  if (n.entity === "File") return 5 + Math.min(8, Math.log2(1 + n.symbolCount));
  return 8 + Math.min(22, 2.2 * Math.log2(1 + n.symbolCount + n.fileCount));
}

export function nodeLabel(n: ViewNode): string {
  // Short: labels must not overlap (labels.ts), so a long one hides its neighbours' (the symbol
  // count is in the detail panel and the list).
  if (n.entity === "Folder" || n.entity === "Community") return `${n.label} · ${n.fileCount} files`;
  if (n.entity === "File") return `${n.label} (${n.symbolCount})`;
  return n.label;
}
