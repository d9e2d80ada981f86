import { useMemo, useState } from "react";
import type { ViewGraph, ViewNode } from "./api";

type Key = "label" | "entity" | "kind" | "path" | "fileCount" | "symbolCount" | "degree";

export default function TableView({ view, selected, onSelect, onToggle }: {
  view: ViewGraph; selected: string | null; onSelect(id: string): void; onToggle(node: ViewNode): void;
}) {
  const [sort, setSort] = useState<{ key: Key; desc: boolean }>({ key: "path", desc: false });
  const [text, setText] = useState("");
  const degree = useMemo(() => {
    const d = new Map<string, number>();
    view.edges.forEach((e) => { d.set(e.source, (d.get(e.source) ?? 0) + e.weight); d.set(e.target, (d.get(e.target) ?? 0) + e.weight); });
    return d;
  }, [view]);
  const rows = useMemo(() => {
    const needle = text.toLowerCase();
    const value = (n: ViewNode, key: Key): string | number =>
      key === "degree" ? degree.get(n.id) ?? 0 : key === "kind" ? n.kind ?? n.lang ?? "" : (n[key] as string | number | null) ?? "";
    return view.nodes
      .filter((n) => !needle || `${n.label} ${n.path ?? ""} ${n.kind ?? ""}`.toLowerCase().includes(needle))
      .sort((a, b) => {
        const x = value(a, sort.key), y = value(b, sort.key);
        const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
        return sort.desc ? -c : c;
      });
  }, [view, text, sort, degree]);
  const header = (key: Key, title: string) => (
    <th aria-sort={sort.key === key ? (sort.desc ? "descending" : "ascending") : "none"}>
      <button onClick={() => setSort({ key, desc: sort.key === key ? !sort.desc : false })}>{title}{sort.key === key ? (sort.desc ? " ▼" : " ▲") : ""}</button>
    </th>
  );
  const move = (e: React.KeyboardEvent<HTMLTableRowElement>, node: ViewNode) => {
    const row = e.currentTarget;
    if (e.key === "ArrowDown") { (row.nextElementSibling as HTMLElement | null)?.focus(); e.preventDefault(); }
    else if (e.key === "ArrowUp") { (row.previousElementSibling as HTMLElement | null)?.focus(); e.preventDefault(); }
    else if (e.key === "Enter") onSelect(node.id);
    else if (e.key === " " || e.key === "ArrowRight") { onToggle(node); e.preventDefault(); }
  };
  return (
    <div className="tableview">
      <input type="search" placeholder="filter rows" value={text} onChange={(e) => setText(e.target.value)} data-testid="table-filter" />
      <table className="table" data-testid="table">
        <thead><tr>{header("label", "name")}{header("entity", "entity")}{header("kind", "kind / lang")}{header("path", "path")}
          {header("fileCount", "files")}{header("symbolCount", "symbols")}{header("degree", "edges")}</tr></thead>
        <tbody>
          {rows.map((n) => (
            <tr key={n.id} data-id={n.id} tabIndex={0} className={n.id === selected ? "selected clickable" : "clickable"}
                onClick={() => onSelect(n.id)} onDoubleClick={() => onToggle(n)} onKeyDown={(e) => move(e, n)}>
              <td>{n.label}</td><td>{n.entity}</td><td>{n.kind ?? n.lang ?? n.languages.join(", ")}</td><td>{n.path}</td>
              <td>{n.fileCount}</td><td>{n.symbolCount}</td><td>{degree.get(n.id) ?? 0}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
