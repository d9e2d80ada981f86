import { lazy, Suspense, useCallback, useEffect, useState } from "react";
import { ApiError, fetchProjects, type ViewProject } from "./api";
import { readUrl, writeUrl, type UrlState } from "./urlstate";
import ProjectView from "./ProjectView";

const WorkflowView = lazy(() => import("./WorkflowView")); // with the DAG layout, outside the initial bundle

export default function App() {
  const [state, setState] = useState<UrlState>(readUrl);
  useEffect(() => {
    const onPop = () => setState(readUrl());
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);
  const update = useCallback((patch: Partial<UrlState>, push = false) => {
    setState((old) => {
      const next = { ...old, ...patch };
      writeUrl(next, push);
      return next;
    });
  }, []);
  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="/" onClick={(e) => { e.preventDefault(); update({ project: null, expanded: [], focus: null, view: null }, true); }}>
          VISLZR <span>CommandCenter Hub</span>
        </a>
        <nav className="nav">
          <button className={state.view === "workflows" ? "on" : ""} data-testid="nav-workflows"
            onClick={() => update({ view: "workflows" }, true)}>Workflows</button>
        </nav>
      </header>
      {state.view === "workflows" ? (
        <Suspense fallback={<div className="state" aria-busy="true">Loading workflows…</div>}>
          <WorkflowView state={state} update={update} />
        </Suspense>
      ) : state.project ? <ProjectView state={state} update={update} /> : <Home open={(id) => update({ project: id, expanded: [], focus: null, depth: 1 }, true)} />}
    </div>
  );
}

function Home({ open }: { open(id: string): void }) {
  const [projects, setProjects] = useState<ViewProject[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    fetchProjects().then(setProjects, (e: ApiError) => setError(e));
  }, []);
  if (error) return <div className="state error" role="alert">Cannot load projects: {error.message}</div>;
  if (!projects) return <div className="state" aria-busy="true">Loading projects…</div>;
  if (!projects.length)
    return <div className="state">No project yet. Ingest one: <code>hub graph ingest PATH --project NAME</code></div>;
  return (
    <main className="home">
      <h1>Projects</h1>
      <table className="table" data-testid="projects">
        <thead><tr><th>project</th><th>files</th><th>symbols</th><th>languages</th><th>last ingest</th><th>communities</th></tr></thead>
        <tbody>
          {projects.map((p) => (
            <tr key={p.id} tabIndex={0} className="clickable" data-project={p.id}
                onClick={() => open(p.id)} onKeyDown={(e) => e.key === "Enter" && open(p.id)}>
              <td><strong>{p.name}</strong></td><td>{p.files}</td><td>{p.symbols}</td>
              <td>{p.languages.join(", ")}</td><td>{p.lastIngest ? new Date(p.lastIngest).toLocaleString() : "—"}</td>
              <td>{p.hasCommunities ? "yes" : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
