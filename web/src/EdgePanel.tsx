// The detail panel of an edge picked on the canvas: what it joins, how many calls or imports it
// stands for, and for calls how the ingest resolved them (the evidence) and how sure it is.
import { GUESS_BELOW, type ViewEdge, type ViewNode } from "./api";

// What each evidence kind means, in the words a reader of the code would use.
const EVIDENCE: Record<string, string> = {
  scope: "defined in the caller's module or an enclosing scope (confidence 1.0)",
  import: "the name was imported from the target's module (0.9)",
  self: "a method of the caller's own class or a base, called through self/cls (0.8)",
  annotation: "the receiver's class comes from an annotation (0.8)",
  constructor: "the receiver was assigned from a constructor call, x = Foo() (0.8)",
  with: "the receiver is bound by with Foo() as x (0.8)",
  default: "the receiver is a parameter whose default is a Foo (0.8)",
  isinstance: "an isinstance guard tells the receiver's class (0.8)",
  except: "the receiver is bound by except Foo as x (0.8)",
  attribute: "the receiver is an attribute whose class is known (0.8)",
  alias: "the name is known to be a class: type[Foo], cls = Foo (0.8)",
  guess: "only the name matched (0.3): a guess, hidden unless 'guessed calls' is on",
};

interface Props {
  edge: ViewEdge; nodes: Map<string, ViewNode>;
  onClose(): void; onSelect(id: string): void;
}

export default function EdgePanel({ edge, nodes, onClose, onSelect }: Props) {
  const end = (id: string) => {
    const node = nodes.get(id);
    return <button className="link" onClick={() => onSelect(id)}>{node?.label ?? id}</button>;
  };
  const kinds = (edge.evidence ?? "").split(",").map((k) => k.trim()).filter(Boolean);
  const guessed = edge.type === "CALLS" && edge.confidence < GUESS_BELOW;
  return (
    <aside className="detail" tabIndex={-1} aria-label="edge details" data-testid="edge-detail">
      <div className="detail-head">
        <h2 data-testid="edge-title">{edge.type}</h2>
        <button onClick={onClose} aria-label="close details">×</button>
      </div>
      <dl className="props">
        <dt>from</dt><dd data-testid="edge-from">{end(edge.source)}</dd>
        <dt>to</dt><dd data-testid="edge-to">{end(edge.target)}</dd>
        <dt>{edge.type === "CALLS" ? "calls" : "edges"}</dt><dd data-testid="edge-weight">{edge.weight}</dd>
        {edge.type === "CALLS" && <>
          <dt>confidence</dt>
          <dd data-testid="edge-confidence" className={guessed ? "evidence guess" : undefined}>{edge.confidence}{guessed ? " (guess)" : ""}</dd>
        </>}
      </dl>
      {kinds.length > 0 && (
        <section>
          <h3>evidence</h3>
          <ul className="edges" data-testid="edge-evidence">
            {kinds.map((k) => <li key={k} data-evidence={k}><span className="etype">{k}</span> {EVIDENCE[k] ?? ""}</li>)}
          </ul>
        </section>
      )}
      {edge.type === "CALLS" && kinds.length === 0 && (
        <p className="muted" data-testid="edge-evidence-hint">Open the calling file to see each call's evidence.</p>
      )}
    </aside>
  );
}
