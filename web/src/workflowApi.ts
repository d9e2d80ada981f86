// The hub's workflow API as the workflow view uses it (issue 14): definitions, executions with
// their step results and findings, running one, and the live `workflowLogs` subscription.
import { gql } from "./api";

export type StepStatus = "pending" | "running" | "passed" | "failed" | "skipped" | "cancelled";
export const STEP_STATUSES: StepStatus[] = ["pending", "running", "passed", "failed", "skipped", "cancelled"];

export interface WorkflowStep { id: string; agent: string; needs: string[]; condition: string | null; onFail: string }
export interface Workflow { name: string; description: string | null; triggerEvent: string | null; steps: WorkflowStep[] }
export interface StepRun {
  stepId: string; status: StepStatus; attempts: number; startedAt: string; endedAt: string;
  error: string | null; auditId: string | null; output: Record<string, unknown>;
}
export interface WorkflowFinding {
  id: string; stepId: string; rule: string | null; severity: string | null; message: string | null;
  line: number | null; path: string | null; fileId: string | null; projectId: string | null;
}
export interface Execution {
  id: string; status: string; startedAt: string; completedAt: string | null; warnings: string[];
  event: Record<string, unknown>; workflow: Workflow; steps: StepRun[]; findings: WorkflowFinding[];
}
export interface ExecutionSummary { id: string; status: string; startedAt: string; completedAt: string | null }
export interface LogLine {
  id: string; time: string; stepId: string | null; level: string; message: string;
  status: string | null; stepStatus: StepStatus | null;
}

const WORKFLOW_FIELDS = "name description triggerEvent steps { id agent needs condition onFail }";

export async function fetchWorkflows(): Promise<Workflow[]> {
  return (await gql<{ workflows: Workflow[] }>(`query { workflows { ${WORKFLOW_FIELDS} } }`)).workflows;
}

export async function fetchExecution(id: string): Promise<Execution> {
  const data = await gql<{ workflowExecution: Execution }>(
    `query E($id: ID!) { workflowExecution(id: $id) { id status startedAt completedAt warnings event
       workflow { ${WORKFLOW_FIELDS} }
       steps { stepId status attempts startedAt endedAt error auditId output }
       findings { id stepId rule severity message line path fileId projectId } } }`, { id });
  return data.workflowExecution;
}

export async function fetchHistory(workflow: string): Promise<ExecutionSummary[]> {
  const data = await gql<{ workflowExecutions: ExecutionSummary[] }>(
    `query H($w: String!) { workflowExecutions(workflow: $w, limit: 25) { id status startedAt completedAt } }`,
    { w: workflow });
  return data.workflowExecutions;
}

// A manual run: the built-in agents check the project named in the event's data, as a push would.
export async function runWorkflow(name: string, projectId: string | null): Promise<string> {
  const data = await gql<{ runWorkflow: { id: string } }>(
    `mutation R($n: String!, $e: JSON) { runWorkflow(name: $n, event: $e) { id } }`,
    { n: name, e: { type: "hub.manual.run", data: projectId ? { project: projectId } : {} } });
  return data.runWorkflow.id;
}

// The execution's log: the stored lines, then live ones, until the execution settles (the server
// completes the subscription then). graphql-ws is loaded on first use, as live.ts does.
export function followLogs(executionId: string, on: { line(l: LogLine): void; done(): void; failed(): void }): () => void {
  let stopped = false;
  let dispose: (() => void) | null = null;
  import("graphql-ws").then(({ createClient }) => {
    if (stopped) return;
    const client = createClient({ url: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`, retryAttempts: 3 });
    const unsubscribe = client.subscribe<{ workflowLogs: LogLine }>(
      {
        query: "subscription L($id: ID!) { workflowLogs(executionId: $id) { id time stepId level message status stepStatus } }",
        variables: { id: executionId },
      },
      {
        next: (r) => { if (r.data) on.line(r.data.workflowLogs); },
        error: () => on.failed(),
        complete: () => on.done(),
      },
    );
    dispose = () => { unsubscribe(); void client.dispose(); };
  }, () => on.failed());
  return () => { stopped = true; dispose?.(); };
}
