// lib/diff.ts finds elements by scanning the HTML text, and its own
// applyDelta scans the same way, so a test with applyDelta alone cannot see
// where the scan and a browser disagree. Here a real HTML parser (parse5,
// which follows the HTML standard as browsers do) plays the browser: it
// parses the old render, replaces the element the delta names with the
// delta's HTML (what the page's morph arrives at), and the result must be
// what it parses from the new render. Documents are random, with the markup
// that fools a text scan: comments, <script>/<style>/<textarea> text that
// holds tags and `>`, `>` and ` id="` inside attribute values.
//
// Seeded: a failure prints its seed and step; FUZZ_SEED=n reruns it,
// FUZZ_DOCS=n runs more documents.
import { parse, parseFragment, serialize, type DefaultTreeAdapterMap } from 'parse5'
import t from 'tap'
import { LastRender } from '../../lib/last-render.js'
import type { Delta } from '../../lib/diff.js'

type Element = DefaultTreeAdapterMap['element']
type ParentNode = DefaultTreeAdapterMap['parentNode']
type ChildNode = DefaultTreeAdapterMap['childNode']

/** mulberry32: small, fast, good enough to pick shapes. */
function random (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

// The model a document is rendered from, so every render is well formed.
type Node =
  | { kind: 'element', tag: string, id: string | null, attrs: [string, string, string][], children: Node[] }
  | { kind: 'void', tag: string, id: string | null, attrs: [string, string, string][] }
  | { kind: 'raw', tag: 'script' | 'style' | 'textarea', id: string | null, text: string }
  | { kind: 'text', text: string }
  | { kind: 'comment', text: string }

const TAGS = ['div', 'span', 'section', 'article']
const VOIDS = ['input', 'br', 'img', 'hr']
// Texts a scan can mistake for markup; all are valid in the places they go.
const WORDS = ['a', 'b', '42', 'x &gt; y', 'a &lt;b&gt;', '&amp;', 'id', 'Count: 7']
const RAW_TEXTS = ['if (a > b) x()', '<div id="fake">', '</div>', '<span id="s1">x</span>', 'a > b', '<!-- no -->', '.x > .y { color: red }', '']
const COMMENTS = ['<div id="c1">', '</div>', 'a > b', ' id="c2" ', '<span>', 'plain']
// [quote, value]: `>` and ` id="` inside values, in double and single quotes.
const VALUES: [string, string][] = [['"', 'a'], ['"', 'x > y'], ['"', 'a>b<c'], ["'", ' id="fake"'], ["'", '{"id":"x","v":">"}'], ['"', ''], ['"', '1']]

const PLAIN_VALUES = VALUES.filter(([q, v]) => q === '"' && !/[<>]/.test(v))

class Gen {
  #ids = 0
  /** Only what templates usually render (the text search's own path, and its shortcut for a change in the same text). */
  plain = false
  constructor (readonly rnd: () => number) {}

  pick<T> (list: readonly T[]): T { return list[Math.floor(this.rnd() * list.length)]! }
  chance (p: number): boolean { return this.rnd() < p }
  id (): string | null {
    if (this.chance(0.25)) return null
    // now and then an id used twice: the page must refuse a delta for it
    return this.chance(0.03) && this.#ids > 0 ? `e${Math.floor(this.rnd() * this.#ids)}` : `e${this.#ids++}`
  }

  attrs (): [string, string, string][] {
    const out: [string, string, string][] = []
    for (let i = Math.floor(this.rnd() * 3); i > 0; i--) {
      const [q, v] = this.pick(this.plain ? PLAIN_VALUES : VALUES)
      out.push([this.pick(['title', 'class', 'data-x', 'live-click']), q, v])
    }
    return out
  }

  node (depth: number): Node {
    const r = this.rnd()
    if (depth > 0 && r < 0.45) {
      return { kind: 'element', tag: this.pick(TAGS), id: this.id(), attrs: this.attrs(), children: this.children(depth - 1) }
    }
    if (r < 0.6) return { kind: 'text', text: this.pick(WORDS) }
    if (this.plain && r < 0.85) return { kind: 'text', text: this.pick(WORDS) }
    if (r < 0.7) return { kind: 'comment', text: this.pick(COMMENTS) }
    if (r < 0.85) return { kind: 'raw', tag: this.pick(['script', 'style', 'textarea'] as const), id: this.id(), text: this.pick(RAW_TEXTS) }
    return { kind: 'void', tag: this.pick(VOIDS), id: this.id(), attrs: this.attrs() }
  }

  children (depth: number): Node[] {
    return Array.from({ length: Math.floor(this.rnd() * 4) }, () => this.node(depth))
  }

  /** Change the document in place: one edit somewhere in it. */
  mutate (root: Node[]): void {
    const parents: Node[][] = [root]
    const nodes: Node[] = []
    const walk = (list: Node[]): void => {
      for (const n of list) {
        nodes.push(n)
        if (n.kind === 'element') { parents.push(n.children); walk(n.children) }
      }
    }
    walk(root)
    const r = this.rnd()
    const n = nodes.length === 0 ? undefined : this.pick(nodes)
    if (n === undefined || r < 0.2) {
      const list = this.pick(parents)
      list.splice(Math.floor(this.rnd() * (list.length + 1)), 0, this.node(2))
    } else if (r < 0.3) {
      const list = this.pick(parents)
      if (list.length > 0) list.splice(Math.floor(this.rnd() * list.length), 1)
    } else if (n.kind === 'text' || n.kind === 'comment') {
      n.text = n.kind === 'text' ? this.pick(WORDS) + (this.chance(0.5) ? ` ${Math.floor(this.rnd() * 100)}` : '') : this.pick(COMMENTS)
    } else if (n.kind === 'raw') {
      n.text = this.chance(0.5) ? this.pick(RAW_TEXTS) : `${n.text}${Math.floor(this.rnd() * 10)}`
    } else if (r < 0.4) {
      n.id = this.id()
    } else if (n.attrs.length > 0 && r < 0.7) {
      const [q, v] = this.pick(this.plain ? PLAIN_VALUES : VALUES)
      n.attrs[Math.floor(this.rnd() * n.attrs.length)] = [this.pick(['title', 'class', 'data-x']), q, v]
    } else {
      n.attrs = this.attrs()
    }
  }
}

function render (nodes: Node[]): string {
  let out = ''
  for (const n of nodes) {
    if (n.kind === 'text') out += n.text
    else if (n.kind === 'comment') out += `<!--${n.text}-->`
    else {
      const id = n.id === null ? '' : ` id="${n.id}"`
      if (n.kind === 'raw') out += `<${n.tag}${id}>${n.text}</${n.tag}>`
      else {
        const attrs = n.attrs.map(([name, q, v]) => ` ${name}=${q}${v}${q}`).join('')
        // the id first or after other attributes, as templates write it
        const open = n.attrs.length > 0 && n.id !== null && n.id.length % 2 === 0 ? `<${n.tag}${attrs}${id}>` : `<${n.tag}${id}${attrs}>`
        out += n.kind === 'void' ? open : `${open}${render(n.children)}</${n.tag}>`
      }
    }
  }
  return out
}

/** The root element (the live root's `<div>`) of a page holding `html`. */
function page (html: string): Element {
  const doc = parse(`<!doctype html><html><head></head><body><div id="lv-root">${html}</div></body></html>`)
  const html_ = doc.childNodes.find((n): n is Element => n.nodeName === 'html')!
  const body = html_.childNodes.find((n): n is Element => n.nodeName === 'body')!
  return body.childNodes[0] as Element
}

function elementsWithId (node: ParentNode, id: string, out: Element[] = []): Element[] {
  for (const child of node.childNodes) {
    if (!('tagName' in child)) continue
    if (child.attrs.some((a) => a.name === 'id' && a.value === id)) out.push(child)
    elementsWithId(child.nodeName === 'template' ? (child as DefaultTreeAdapterMap['template']).content : child, id, out)
  }
  return out
}

/**
 * What the page does with a delta: `null` when it refuses it (no such
 * element, or its id is not unique; it asks for the full render), else the
 * root with the element replaced by the delta's HTML, parsed where it goes.
 */
function applyInPage (root: Element, [id, outer]: Delta): Element | null {
  const found = elementsWithId(root, id)
  if (found.length !== 1) return null
  const el = found[0]!
  const parent = el.parentNode!
  const fresh = parseFragment(parent as Element, outer).childNodes as ChildNode[]
  for (const n of fresh) n.parentNode = parent
  parent.childNodes.splice(parent.childNodes.indexOf(el), 1, ...fresh)
  return root
}

const SEED = Number(process.env.FUZZ_SEED ?? 20260101)
const DOCS = Number(process.env.FUZZ_DOCS ?? 1500)
const STEPS = 4

t.test(`deltas of random documents rebuild, in a real parser, what the new render parses to (seed ${SEED}, ${DOCS} documents x ${STEPS} edits)`, async (t) => {
  const gen = new Gen(random(SEED))
  let applied = 0
  let refused = 0
  let full = 0
  let plain = 0
  const failures: string[] = []
  for (let doc = 0; doc < DOCS && failures.length < 3; doc++) {
    gen.plain = gen.chance(0.3)
    const model = gen.children(4)
    // long documents sometimes, so the last render is kept as bytes too
    if (!gen.plain && gen.chance(0.05)) model.push({ kind: 'raw', tag: 'script', id: null, text: 'x'.repeat(4200) })
    const last = new LastRender()
    let before = render(model)
    last.text = before
    for (let step = 0; step < STEPS; step++) {
      gen.mutate(model)
      const after = render(model)
      const d = last.next(after)
      if (d === null) { full++; before = after; continue }
      const patched = applyInPage(page(before), d)
      if (patched === null) refused++
      else if (serialize(patched) === serialize(page(after))) { applied++; if (gen.plain) plain++ }
      else {
        failures.push(`seed ${SEED}, document ${doc}, edit ${step}:\n  before: ${before}\n  after:  ${after}\n  delta:  ${JSON.stringify(d)}`)
        break
      }
      before = after
    }
  }
  t.same(failures, [], 'every delta the page applies gives the new render')
  t.comment(`${applied} deltas applied (${plain} in plain documents), ${refused} refused by the page (repeated or missing id), ${full} full renders`)
  t.ok(applied > DOCS && plain > DOCS / 5, 'many edits are sent as deltas, in plain documents too (the fuzz is not all fallbacks)')
})
