/**
 * Lanes for a `git log --graph`-style picture of deployments. Each node has at most one parent
 * (its previous deployment), so the picture is a forest: lanes fork where a deployment failed or
 * was unwound and a later one started from the same previous. Pure: ids in, prefixes out.
 */
export interface GraphNode {
  id: string;
  /** The node it continues from, or null; ignored when it is not among the nodes. */
  parent: string | null;
}

export interface GraphRow<T> {
  /** The lanes drawn before the row's text, e.g. `| * `. */
  prefix: string;
  /** null for a row that only joins or shifts lanes (`|/`). */
  node: T | null;
  /** The lanes to draw before more lines about the same node. */
  more: string;
}

/** Nodes must come children first (newest first): a parent after each of its children. */
export function layoutGraph<T extends GraphNode>(nodes: readonly T[]): GraphRow<T>[] {
  const present = new Set(nodes.map((n) => n.id));
  const rows: GraphRow<T>[] = [];
  let lanes: string[] = [];
  for (const node of nodes) {
    let at = lanes.indexOf(node.id);
    if (at < 0) {
      lanes.push(node.id);
      at = lanes.length - 1;
    }
    // Other lanes waiting for this node join it first (`|/`).
    const joined = lanes.map((id, i) => (id === node.id && i !== at ? at : -1));
    if (joined.some((j) => j >= 0)) {
      const keep = lanes.map((id, i) => id !== node.id || i === at);
      rows.push(...shift<T>(lanes.length, targets(keep, joined)));
      lanes = lanes.filter((_, i) => keep[i]);
      at = lanes.indexOf(node.id);
    }
    const parent = node.parent !== null && present.has(node.parent) ? node.parent : null;
    const prefix = draw(lanes.length, (i) => (i === at ? '*' : '|'));
    if (parent !== null) {
      // A parent that already has a lane is joined when its turn comes (`|/`).
      lanes[at] = parent;
      rows.push({ prefix, node, more: draw(lanes.length, () => '|') });
      continue;
    }
    // The lane ends here (a first deployment): lanes to its right move left.
    rows.push({ prefix, node, more: draw(lanes.length, (i) => (i === at ? ' ' : '|')) });
    const keep = lanes.map((_, i) => i !== at);
    const moved = targets(
      keep,
      lanes.map(() => -1),
    );
    if (at < lanes.length - 1) rows.push(...shift<T>(lanes.length, moved));
    lanes = lanes.filter((_, i) => keep[i]);
  }
  return rows;
}

/** Where each old lane ends up: its new index, or the lane it joins. */
function targets(keep: boolean[], joined: number[]): number[] {
  const index: number[] = [];
  let n = 0;
  for (let i = 0; i < keep.length; i++) index.push(keep[i] ? n++ : -1);
  return keep.map((k, i) => (k ? index[i]! : (index[joined[i]!] ?? -1)));
}

/** Rows of `/` moving lanes left one column at a time until each is where it belongs. */
function shift<T>(count: number, target: number[]): GraphRow<T>[] {
  const pos = Array.from({ length: count }, (_, i) => i);
  const rows: GraphRow<T>[] = [];
  for (;;) {
    const moving = pos.some((p, i) => target[i]! >= 0 && p > target[i]!);
    if (!moving) return rows;
    const chars: string[] = Array.from({ length: count * 2 }, () => ' ');
    for (let i = 0; i < count; i++) {
      if (target[i]! < 0) continue;
      if (pos[i]! > target[i]!) {
        chars[2 * pos[i]! - 1] = '/';
        pos[i]!--;
      } else chars[2 * pos[i]!] = '|';
    }
    const prefix = chars.join('').trimEnd() + ' ';
    rows.push({ prefix, node: null, more: prefix });
  }
}

function draw(count: number, lane: (i: number) => string): string {
  let s = '';
  for (let i = 0; i < count; i++) s += lane(i) + ' ';
  return s;
}
