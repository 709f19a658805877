/** The one DOM helper: an element with attributes (`on*` are listeners) and children. */
type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Array<Child | Child[]>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, '');
    else if (value !== false && value !== null && value !== undefined) el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'object' ? child : String(child));
  }
  return el;
}

/** `3 s`, `2 min`, `5 h`, `4 d`. */
export function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

export const age = (iso: string | null | undefined): string =>
  iso ? `${span(Date.now() - Date.parse(iso))} ago` : '';

/**
 * A part of a page that arrives later than the rest (a config diff, a preview): the page is drawn
 * at once with `meanwhile` (what was shown before, else "loading…") in its place, replaced when
 * `content` settles.
 */
export function later(content: Promise<Node>, meanwhile?: Node): HTMLElement {
  const slot = h(
    'div',
    { class: 'later', 'aria-busy': 'true' },
    meanwhile ?? h('p', { class: 'muted' }, 'loading…'),
  );
  void content.then((node) => {
    slot.replaceChildren(node);
    slot.removeAttribute('aria-busy');
  });
  return slot;
}
