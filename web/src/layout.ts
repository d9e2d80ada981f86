// The layout worker's client, and the per-project, per-view position cache (memory + localStorage)
// that makes reopening a view instant and keeps positions stable across updates.
import type { LayoutRequest, Positions } from "./layout.worker";

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, (p: Positions) => void>();

function getWorker(): Worker {
  if (!worker) {
    worker = new Worker(new URL("./layout.worker.ts", import.meta.url), { type: "module" });
    worker.onmessage = (event: MessageEvent<{ id: number; positions: Positions }>) => {
      pending.get(event.data.id)?.(event.data.positions);
      pending.delete(event.data.id);
    };
  }
  return worker;
}

export function computeLayout(request: LayoutRequest): Promise<Positions> {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    getWorker().postMessage({ id, request });
  });
}

const memory = new Map<string, Positions>();
const STORAGE_PREFIX = "vislzr.layout.";

export function cachedPositions(key: string): Positions {
  let cached = memory.get(key);
  if (!cached) {
    try { cached = JSON.parse(localStorage.getItem(STORAGE_PREFIX + key) ?? "{}") as Positions; }
    catch { cached = {}; }
    memory.set(key, cached);
  }
  return cached;
}

export function storePositions(key: string, positions: Positions): void {
  const merged = { ...cachedPositions(key), ...positions };
  memory.set(key, merged);
  try {
    // Bounded: a very large cache is kept in memory only.
    const text = JSON.stringify(merged);
    if (text.length < 2_000_000) localStorage.setItem(STORAGE_PREFIX + key, text);
  } catch { /* storage full: memory cache only */ }
}
