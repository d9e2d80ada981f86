// The hub's GraphQL API, as VISLZR uses it. One place that knows the query text.

export interface ViewProject {
  id: string; name: string; files: number; symbols: number; languages: string[];
  lastIngest: string | null; hasCommunities: boolean;
}
export interface ViewNode {
  id: string; entity: "Folder" | "Community" | "File" | "Symbol"; label: string; parent: string | null;
  path: string | null; kind: string | null; lang: string | null; fileId: string | null;
  communityId: number | null; fileCount: number; symbolCount: number; loc: number;
  languages: string[]; expandable: boolean; expanded: boolean;
}
// confidence: the surest relationship the edge stands for (calls below GUESS_BELOW are the ingest's
// unique-name guesses); evidence: how its calls were resolved, when known (an open file's symbols).
export interface ViewEdge { source: string; target: string; type: string; weight: number; confidence: number; evidence: string | null }
export const GUESS_BELOW = 0.5;
export interface ViewGraph {
  projectId: string; grouping: string; fingerprint: string; nodes: ViewNode[]; edges: ViewEdge[];
  truncated: boolean; totalFiles: number; totalSymbols: number; elapsedMs: number;
}
export interface EdgeRef {
  type: string; id: string | null; label: string | null; entity: string | null; fileId: string | null;
  confidence: number | null; evidence: string | null; // calls: how sure, and how the target was found
}
export interface NodeDetail {
  id: string; entity: string; labels: string[]; properties: Record<string, unknown>; filePath: string | null;
  outgoing: EdgeRef[]; outgoingCount: number; incoming: EdgeRef[]; incomingCount: number;
}
export interface ViewFilters {
  languages: string[]; kinds: string[]; edgeTypes: string[]; entities: string[]; pathPrefix: string;
}
export interface SearchHit { id: string; label: string; entity: string; path: string | null; fileId: string | null; score: number }

export class ApiError extends Error {
  constructor(message: string, public code: string) { super(message); }
}

// A GraphQL literal of a JSON value (strings are JSON-escaped, which GraphQL accepts).
function literal(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return `[${value.map(literal).join(", ")}]`;
  if (typeof value === "object") return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}: ${literal(v)}`).join(", ")}}`;
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

// The same operation with its variables written in as literals: used only when the server fails to
// coerce variables (a server-side limiter bug seen while the API was being built).
function inline(query: string, variables: Record<string, unknown>): string {
  const body = query.replace(/^(\s*(?:query|mutation)\s*\w*)\s*\([^)]*\)/, "$1");
  return body.replace(/\$(\w+)/g, (_, name: string) => literal(variables[name]));
}

export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  try {
    return await post<T>(query, variables);
  } catch (e) {
    if (e instanceof ApiError && e.message.includes("coerced") && Object.keys(variables).length)
      return post<T>(inline(query, variables), {});
    throw e;
  }
}

// Without a (valid) session cookie every API call is a 401: go to the login page, which explains
// how to get the one-time login URL (`hub serve` prints it; `hub login` makes a new one).
function loginWhenUnauthenticated(response: Response): void {
  if (response.status === 401) {
    window.location.assign("/login");
    throw new ApiError("Not logged in: redirecting to the login page.", "UNAUTHENTICATED");
  }
}

async function post<T>(query: string, variables: Record<string, unknown>): Promise<T> {
  let response: Response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      credentials: "same-origin", // the HttpOnly session cookie of the login step
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError("The hub's API cannot be reached. Is `hub serve` running?", "UNAVAILABLE");
  }
  loginWhenUnauthenticated(response);
  if (response.status === 404) throw new ApiError("This hub has no GraphQL API at /graphql yet.", "UNAVAILABLE");
  let body: { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`The API answered ${response.status} without JSON.`, "UNAVAILABLE");
  }
  if (body.errors?.length) {
    const first = body.errors[0];
    throw new ApiError(first.message, first.extensions?.code ?? "ERROR");
  }
  if (!body.data) throw new ApiError(`The API answered ${response.status} without data.`, "ERROR");
  return body.data;
}


export async function fetchProjects(): Promise<ViewProject[]> {
  const data = await gql<{ viewProjects: ViewProject[] }>(
    `query { viewProjects { id name files symbols languages lastIngest hasCommunities } }`);
  return data.viewProjects;
}

// Nodes per view: a 5k-file map plus a live update fits; the hub refuses more than 20k.
const VIEW_NODE_LIMIT = 8000;

export async function fetchView(args: {
  projectId: string; grouping: string; expanded: string[]; depth: number; filters: ViewFilters; limit?: number;
  minConfidence: number;
}): Promise<ViewGraph> {
  // The packed form: nodes and edges as columns in one JSON value (cheaper to serve and to parse
  // than 20k GraphQL objects); rebuilt here into the same ViewGraph as `projectView` gives.
  const data = await gql<{ projectViewPacked: PackedView }>(
    `query View($projectId: ID!, $grouping: String!, $expanded: [String!], $depth: Int!, $filters: ViewFiltersInput, $maxNodes: Int!, $minConfidence: Float!) {
      projectViewPacked(projectId: $projectId, grouping: $grouping, expanded: $expanded, depth: $depth, filters: $filters, maxNodes: $maxNodes, minConfidence: $minConfidence)
    }`,
    { ...args, maxNodes: args.limit ?? VIEW_NODE_LIMIT });
  const { nodes: nc, edges: ec, ...meta } = data.projectViewPacked;
  const nodes: ViewNode[] = nc.id.map((_, i) => {
    const node: Record<string, unknown> = {};
    for (const key in nc) node[key] = nc[key as keyof ViewNode][i];
    return node as unknown as ViewNode;
  });
  const edges: ViewEdge[] = ec.source.map((source, i) => ({
    source, target: ec.target[i], type: ec.type[i], weight: ec.weight[i], confidence: ec.confidence[i], evidence: ec.evidence[i],
  }));
  return { ...meta, nodes, edges };
}

type PackedView = Omit<ViewGraph, "nodes" | "edges"> & {
  nodes: { [K in keyof ViewNode]: ViewNode[K][] };
  edges: { source: string[]; target: string[]; type: string[]; weight: number[]; confidence: number[]; evidence: (string | null)[] };
};

export async function fetchFingerprint(projectId: string): Promise<string> {
  const data = await gql<{ projectFingerprint: string }>(
    `query F($projectId: ID!) { projectFingerprint(projectId: $projectId) }`, { projectId });
  return data.projectFingerprint;
}

export async function fetchNode(id: string): Promise<NodeDetail> {
  const data = await gql<{ viewNode: NodeDetail }>(
    `query N($id: ID!) { viewNode(id: $id) { id entity labels properties filePath outgoingCount incomingCount
       outgoing { type id label entity fileId confidence evidence } incoming { type id label entity fileId confidence evidence } } }`, { id });
  return data.viewNode;
}

export async function computeCommunities(projectId: string): Promise<{ communityCount: number; modularity: number }> {
  const data = await gql<{ computeCommunities: { communityCount: number; modularity: number } }>(
    `mutation C($projectId: ID!) { computeCommunities(projectId: $projectId) { communityCount modularity } }`,
    { projectId });
  return data.computeCommunities;
}

const ENTITY_NAMES: Record<string, string> = { SYMBOL: "Symbol", FILE: "File", TASK: "Task", SERVICE: "Service" };

// Search and audits belong to the query API (issue 4); its GraphNode is {id entity label metadata}.
// The API searches the whole hub; inside a project view, symbols and files of other projects'
// repositories are left out (tasks and services belong to no repository and stay).
const projectRepos = new Map<string, Promise<Set<string>>>();

function reposOf(projectId: string): Promise<Set<string>> {
  let repos = projectRepos.get(projectId);
  if (!repos) {
    repos = gql<{ project: { repos: { edges: { node: { entityId: string } }[] } } | null }>(
      `query R($id: ID!) { project(id: $id) { repos(first: 100) { edges { node { entityId } } } } }`, { id: projectId })
      .then((data) => new Set((data.project?.repos.edges ?? []).map((e) => e.node.entityId)));
    projectRepos.set(projectId, repos);
  }
  return repos;
}

export async function search(text: string, projectId?: string): Promise<SearchHit[]> {
  type Hit = { score: number; node: { id: string; entity: string; label: string; metadata: Record<string, unknown> } };
  const [data, repos] = await Promise.all([
    gql<{ search: { edges: { node: Hit }[] } }>(
      `query S($q: String!) { search(query: $q, scope: [symbols, files, tasks, services], first: 50) { edges { node { score node { id entity label metadata } } } } }`,
      { q: text }),
    projectId ? reposOf(projectId) : Promise.resolve(null),
  ]);
  return data.search.edges
    .filter(({ node: hit }) => {
      const repo = (hit.node.metadata ?? {}).repoId as string | undefined;
      return !repos || !repo || repos.has(repo);
    })
    .slice(0, 12)
    .map(({ node: hit }) => {
      const meta = (hit.node.metadata ?? {}) as Record<string, unknown>;
      const entity = ENTITY_NAMES[hit.node.entity] ?? hit.node.entity;
      return {
        id: hit.node.id, label: hit.node.label, entity,
        path: (meta.path as string) ?? null, fileId: (meta.fileId as string) ?? null, score: hit.score,
      };
    });
}

export async function triggerAudit(targetId: string, kind: string): Promise<{ id: string; nodeId: string; status: string; published: boolean }> {
  const data = await gql<{ triggerAudit: { audit: { id: string; entityId: string; status: string }; published: boolean } }>(
    `mutation A($t: ID!) { triggerAudit(targetId: $t, kind: ${kind.replace(/[^A-Z_]/g, "")}) { published audit { id entityId status } } }`,
    { t: targetId });
  const result = data.triggerAudit;
  return { id: result.audit.entityId, nodeId: result.audit.id, status: result.audit.status, published: result.published };
}

// An audit's status and the agent's summary (a worker's agent completes it: issue 14).
export async function fetchAudit(nodeId: string): Promise<{ status: string; summary: string | null }> {
  const data = await gql<{ node: { status: string; summary: string | null } }>(
    `query Q($id: ID!) { node(id: $id) { ... on Audit { status summary } } }`, { id: nodeId });
  return data.node;
}

// The hub's task statuses (app/graph/models.py TaskStatus; GraphQL enum names are upper case).
export const TASK_STATUSES = ["todo", "in_progress", "blocked", "done"] as const;

export async function updateTaskStatus(id: string, status: string): Promise<{ id: string; status: string | null }> {
  const data = await gql<{ updateTask: { entityId: string; status: string | null } }>(
    `mutation U($id: ID!) { updateTask(input: {id: $id, status: ${status.toUpperCase().replace(/[^A-Z_]/g, "")}}) { entityId status } }`,
    { id });
  return { id: data.updateTask.entityId, status: data.updateTask.status };
}

export interface ServiceCheck {
  result: "up" | "degraded" | "down"; ok: boolean; statusCode: number | null; latencyMs: number; error: string | null;
  service: { id: string; name: string; health: string; latencyMs: number | null; lastCheckedAt: string | null };
}

// One health probe now (REST: POST /api/services/{id}/check); the sample is recorded by the hub.
export async function checkService(id: string): Promise<ServiceCheck> {
  let response: Response;
  try {
    response = await fetch(`/api/services/${encodeURIComponent(id)}/check`, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
  } catch {
    throw new ApiError("The hub's API cannot be reached. Is `hub serve` running?", "UNAVAILABLE");
  }
  loginWhenUnauthenticated(response);
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const message = body?.error?.message ?? body?.detail ?? `The hub answered ${response.status}.`;
    throw new ApiError(typeof message === "string" ? message : JSON.stringify(message), body?.error?.code ?? "ERROR");
  }
  return body as ServiceCheck;
}
