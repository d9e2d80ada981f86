// The nesting of a view, shared by the layout worker (which lays groups out first, then each
// group's children inside its region) and the canvas (which names each group's region). A group is
// an open folder or community: it is not drawn itself, its children are. A drawn node belongs to
// the group of its nearest ancestor that is not drawn; a symbol therefore sits in its file's group.

// Views up to this size are laid out nested (layout.worker.ts); larger ones incrementally.
export const NESTED_MAX_NODES = 2_000;

export interface GroupedNode { id: string; parent: string | null }

// "dir:a/b/" → "dir:a/"; null above the top folder or for a community (they do not nest).
export function outerFolder(id: string): string | null {
  if (!id.startsWith("dir:")) return null;
  const path = id.slice(4, -1);
  const cut = path.lastIndexOf("/");
  return cut >= 0 ? `dir:${path.slice(0, cut + 1)}` : null;
}

export interface Nesting {
  groupOf: Map<string, string>; // drawn node → its group ("" for the view's top level)
  parentGroup: Map<string, string>; // group → the group it sits in ("" at the top)
  groups: string[]; // every group with members, "" excluded, sorted
}

export function nesting(nodes: GroupedNode[]): Nesting {
  const drawn = new Map(nodes.map((n) => [n.id, n]));
  const groupOf = new Map<string, string>();
  const resolve = (node: GroupedNode, seen = 0): string => {
    const known = groupOf.get(node.id);
    if (known !== undefined) return known;
    let group = "";
    const parent = node.parent;
    if (parent) {
      const owner = drawn.get(parent);
      // A drawn parent (an open file) lends its own group; a cycle cannot happen in a view, the
      // bound only keeps a malformed one from looping.
      group = owner && owner.id !== node.id && seen < 16 ? resolve(owner, seen + 1) : owner ? "" : parent;
    }
    groupOf.set(node.id, group);
    return group;
  };
  for (const node of nodes) resolve(node);
  const members = new Set(groupOf.values());
  members.delete("");
  // A group sits in the nearest enclosing folder that is a group too; open folders holding nothing
  // drawn directly (a chain such as src/main/) are skipped.
  const parentGroup = new Map<string, string>();
  const all = new Set(members);
  for (const group of members) {
    let outer = outerFolder(group);
    while (outer && !members.has(outer)) outer = outerFolder(outer);
    parentGroup.set(group, outer ?? "");
  }
  return { groupOf, parentGroup, groups: [...all].sort() };
}

// The name a group's region is labelled with: its path below the group it sits in.
export function groupLabel(group: string, outer: string): string {
  if (group.startsWith("dir:")) {
    const path = group.slice(4), base = outer.startsWith("dir:") ? outer.slice(4) : "";
    return path.startsWith(base) && base ? path.slice(base.length) : path;
  }
  return group;
}
