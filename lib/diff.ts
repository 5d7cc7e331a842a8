// Deltas: only what changed crosses the wire.
//
// The server keeps the last HTML it sent for each view. A new render is
// compared with it: the common prefix and suffix leave one changed window.
// The smallest element *with an id* that encloses that window in both
// renders is sent as its new outer HTML, and the browser morphs just that
// element. When no such element exists (the change touches the root's own
// children), the full HTML is sent instead.
//
// The search reads the HTML as text: ` id="`, `<` and `>`, tag names. That
// is exact for what templates usually render, but not inside comments,
// <script>/<style>/<textarea> text, or attribute values holding `<`, `>` or
// quotes, where a browser sees text that looks like tags. A render holding
// any of those (one regular expression tells) is searched by a small
// tokenizer instead, which reads it as a browser does.
//
// Whether the id is unique is the browser's to check, not the server's: it
// holds the document, where a repeated id is one hash lookup to see (and
// then it asks for the full HTML), while on the server it is a scan of the
// whole render on every event.

/** `[elementId, outerHtml]`: replace (morph) the element with that id. */
export type Delta = [string, string]

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr'])

/** The delta between two renders, with nothing remembered from earlier ones. */
export function delta (before: string, after: string): Delta | null {
  return new Differ().delta(before, after)
}

/**
 * The deltas of one view, each render against the one before it. It
 * remembers the text the last change fell in: when the next change falls in
 * the same text again (a counter, a clock, a field echoed as it is typed),
 * the element to send is known without searching for it.
 */
export class Differ {
  /** The last change's text (between a `>` and a `<`) and its innermost element with an id, as positions in the last render. */
  #run: { from: number, to: number, open: number, close: number, id: string } | null = null

  /**
   * Whether the last render is plain (nothing in it matches TRICKY), or
   * `null` when not known. Knowing it spares a scan of every render: a plain
   * render stays plain when the element a delta sends is plain.
   */
  #plain: boolean | null = null

  /** Forget the last change: the next render is compared with one this differ did not see. */
  reset (): void {
    this.#run = null
    this.#plain = null
  }

  delta (before: string, after: string): Delta | null {
    const run = this.#run
    const max = Math.min(before.length, after.length)
    const start = commonPrefix(before, after, max, run === null ? 0 : run.from)
    const tail = commonSuffix(before, after, max - start, run === null ? 0 : before.length - run.to)
    const end = after.length - tail
    // Within the same text, and no markup in the new: every element is
    // where it was, and ends as much later as the text grew.
    if (run !== null && start >= run.from && before.length - tail <= run.to && !hasMarkup(after, start, end)) {
      const grown = after.length - before.length
      run.to += grown
      run.close += grown
      // text that TRICKY would read as an attribute's start: no longer known plain
      if (QUOTE.test(after.slice(start, end))) this.#plain = null
      return [run.id, after.slice(run.open, run.close)]
    }
    this.#run = null
    const plain = this.#plain ?? !TRICKY.test(before)
    this.#plain = null
    if (!plain) return tokenized(before, after, start, end)
    const found = enclosing(before, after, start, end)
    if (found === null) return null
    // A plain render with a plain element in place of the old one is plain:
    // what lies around the element is the same text as before.
    if (TRICKY.test(after.slice(found.open, found.close))) return tokenized(before, after, start, end)
    this.#plain = true
    const to = after.indexOf('<', end) // there is one: the element's end tag
    if (to >= 0 && inText(after, start) && !hasMarkup(after, start, end)) {
      this.#run = { from: after.lastIndexOf('>', start - 1) + 1, to, ...found }
    }
    return [found.id, after.slice(found.open, found.close)]
  }
}

/** The delta of a render that is not plain, found by the tokenizer. */
function tokenized (before: string, after: string, start: number, end: number): Delta | null {
  const found = enclosingParsed(before, after, start, end)
  return found === null ? null : [found.id, after.slice(found.open, found.close)]
}

const QUOTE = /['"=]/

/**
 * The smallest element with an id that encloses the window [start, end) of
 * `after` and spans the same text around it in `before`, or `null`.
 */
function enclosing (before: string, after: string, start: number, end: number): { id: string, open: number, close: number } | null {
  // Walk back through id'd start tags that begin before the window.
  let at = start
  // Siblings before the window are candidates too; past a few dozen, a full
  // render is cheaper than the search.
  for (let tries = 0; tries < 48; tries++) {
    const idAt = after.lastIndexOf(' id="', at - 1)
    if (idAt < 0) return null
    const open = after.lastIndexOf('<', idAt)
    at = open
    if (open < 0) return null
    const name = tagName(after, open)
    if (name === null || after.lastIndexOf('>', idAt) > open) continue // the ` id="` is not inside this tag
    const idEnd = after.indexOf('"', idAt + 5)
    if (idEnd >= start) continue // the id itself changed
    const close = elementEnd(after, open, name)
    if (close < 0 || close < end) continue // closes before the window ends: not an ancestor
    // It starts in the common prefix, so at `open` in `before` too; there it
    // must end as far from the end of the HTML as here, or the change altered
    // its structure.
    if (elementEnd(before, open, name) !== close - after.length + before.length) continue
    return { id: after.slice(idAt + 5, idEnd), open, close }
  }
  return null
}

/** Whether `at` is outside any tag: the last `>` before it comes after the last `<`. */
function inText (html: string, at: number): boolean {
  return html.lastIndexOf('>', at - 1) >= html.lastIndexOf('<', at - 1)
}

/** Whether html[from, to) holds a `<` or `>`. */
function hasMarkup (html: string, from: number, to: number): boolean {
  const lt = html.indexOf('<', from)
  if (lt >= 0 && lt < to) return true
  const gt = html.indexOf('>', from)
  return gt >= 0 && gt < to
}

// The common prefix and suffix are found by bisection on slices: comparing
// two slices is one native memcmp, where a charCodeAt loop costs a call per
// character (and far more on the rope strings templates render to).
const LINEAR = 4

/**
 * The length of the longest common prefix of `a` and `b` (at most `max`).
 * `guess` (where the last change began) is tried first: when the change is
 * there again, the search is left with a few characters.
 */
function commonPrefix (a: string, b: string, max: number, guess: number): number {
  let lo = 0
  let hi = max
  if (guess > 0 && guess < max) {
    if (a.slice(0, guess) === b.slice(0, guess)) lo = guess
    else hi = guess
  }
  while (hi - lo > LINEAR) {
    const mid = (lo + hi) >>> 1
    if (a.slice(lo, mid) === b.slice(lo, mid)) lo = mid
    else hi = mid
  }
  while (lo < hi && a.charCodeAt(lo) === b.charCodeAt(lo)) lo++
  return lo
}

/** The length of the longest common suffix of `a` and `b` (at most `max`); `guess` as for the prefix. */
function commonSuffix (a: string, b: string, max: number, guess: number): number {
  let lo = 0
  let hi = max
  if (guess > 0 && guess < max) {
    if (a.slice(a.length - guess) === b.slice(b.length - guess)) lo = guess
    else hi = guess
  }
  while (hi - lo > LINEAR) {
    const mid = (lo + hi) >>> 1
    if (a.slice(a.length - mid, a.length - lo) === b.slice(b.length - mid, b.length - lo)) lo = mid
    else hi = mid
  }
  while (lo < hi && a.charCodeAt(a.length - 1 - lo) === b.charCodeAt(b.length - 1 - lo)) lo++
  return lo
}

const TAG = /<([a-zA-Z][\w-]*)/y
function tagName (html: string, open: number): string | null {
  TAG.lastIndex = open
  const m = TAG.exec(html)
  return m === null ? null : m[1]!.toLowerCase()
}

const tagPatterns = new Map<string, RegExp>()
function tagPattern (name: string): RegExp {
  let re = tagPatterns.get(name)
  if (re === undefined) {
    re = new RegExp(`<(/?)${name}(?=[\\s>/])`, 'gi')
    if (tagPatterns.size < 256) tagPatterns.set(name, re)
  }
  return re
}

/** The index just past the element that starts at `open`, or -1. */
function elementEnd (html: string, open: number, name: string): number {
  const startEnd = html.indexOf('>', open)
  if (startEnd < 0) return -1
  if (VOID.has(name) || html.charCodeAt(startEnd - 1) === 47 /* / */) return startEnd + 1
  const re = tagPattern(name)
  re.lastIndex = startEnd + 1
  let depth = 1
  for (let m = re.exec(html); m !== null; m = re.exec(html)) {
    depth += m[1] === '/' ? -1 : 1
    if (depth === 0) {
      const gt = html.indexOf('>', m.index)
      return gt < 0 ? -1 : gt + 1
    }
  }
  return -1
}

/**
 * What makes reading HTML as plain text wrong: a comment (or `<!`, `<?`), an
 * element whose content is raw text, a single-quoted attribute value, or a
 * double-quoted one holding `<` or `>`.
 */
const TRICKY = /<[!?]|<\/?(?:script|style|textarea|title|xmp|iframe|noembed|noframes|noscript|plaintext)(?=[\s/>])|=\s*(?:'|"[^"<>]*[<>])/i

/** Elements whose content is text up to their end tag (the HTML standard's raw text and escapable raw text). */
const RAW = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript'])

/** An element with an id, as a browser parses it: its start, the end of its id's value, and the index just past it (-1: not closed by its own end tag). */
interface Parsed { name: string, id: string, open: number, idEnd: number, close: number }

/**
 * The elements with an id of a render, in document order, read as the HTML
 * tokenizer reads them: comments and raw text skipped, quoted attribute
 * values read whole. Nesting is by end tags; an element closed by another's
 * end tag (`<div><span></div>`) is marked not closed, so no delta uses it.
 */
function parseIds (html: string): Parsed[] {
  const found: Parsed[] = []
  const open: { name: string, entry: Parsed | null }[] = []
  let pos = 0
  while (pos < html.length) {
    const lt = html.indexOf('<', pos)
    if (lt < 0) break
    const next = html.charCodeAt(lt + 1)
    if (html.startsWith('<!--', lt)) {
      // `<!-->` and `<!--->` are whole (empty) comments
      const end = html.startsWith('>', lt + 4) ? lt + 1 : html.startsWith('->', lt + 4) ? lt + 3 : html.indexOf('-->', lt + 4)
      pos = end < 0 ? html.length : end + 3
      continue
    }
    if (next === 33 /* ! */ || next === 63 /* ? */) { pos = endOf(html, lt + 1); continue }
    const closing = next === 47 /* / */
    NAME.lastIndex = closing ? lt + 2 : lt + 1
    const m = NAME.exec(html)
    if (m === null) {
      // `</` not followed by a name is a bogus comment; `<` then a non-letter is text
      pos = closing ? endOf(html, lt + 2) : lt + 1
      continue
    }
    const name = m[0].toLowerCase()
    if (closing) {
      const gt = endOf(html, NAME.lastIndex) - 1
      let i = open.length - 1
      while (i >= 0 && open[i]!.name !== name) i--
      // the elements inside it that are still open stay unclosed (-1)
      const matched = i < 0 ? undefined : open.splice(i)[0]!
      if (matched?.entry) matched.entry.close = gt + 1
      pos = gt + 1
      continue
    }
    const tag = startTag(html, NAME.lastIndex)
    const entry = tag.id === null ? null : { name, id: tag.id, open: lt, idEnd: tag.idEnd, close: -1 }
    if (entry !== null) found.push(entry)
    pos = tag.end
    if (VOID.has(name) || tag.selfClosing) {
      if (entry !== null) entry.close = tag.end
    } else if (RAW.has(name) || name === 'plaintext') {
      const re = name === 'plaintext' ? null : rawEnd(name)
      if (re !== null) re.lastIndex = tag.end
      const m2 = re?.exec(html) ?? null
      pos = m2 === null ? html.length : endOf(html, m2.index + 2 + name.length)
      if (entry !== null && m2 !== null) entry.close = pos
    } else {
      open.push({ name, entry })
    }
  }
  return found
}

const NAME = /[a-zA-Z][^\s/>]*/y

/** The index just past the next `>` from `from` (the end of the HTML if none). */
function endOf (html: string, from: number): number {
  const gt = html.indexOf('>', from)
  return gt < 0 ? html.length : gt + 1
}

/**
 * Read a start tag's attributes from `from` (just past its name): where the
 * tag ends, its first `id` (later ones are ignored, as by browsers) with the
 * index of the end of its value, and whether it ends in `/>`.
 */
function startTag (html: string, from: number): { end: number, id: string | null, idEnd: number, selfClosing: boolean } {
  let id: string | null = null
  let idEnd = -1
  let i = from
  const n = html.length
  for (;;) {
    while (i < n && (isSpace(html.charCodeAt(i)) || html.charCodeAt(i) === 47 /* / */)) i++
    if (i >= n) return { end: n, id, idEnd, selfClosing: false }
    if (html.charCodeAt(i) === 62 /* > */) return { end: i + 1, id, idEnd, selfClosing: html.charCodeAt(i - 1) === 47 }
    const nameAt = i
    i++ // a first `=` belongs to the name
    while (i < n && !isSpace(html.charCodeAt(i)) && !'/>='.includes(html[i]!)) i++
    const attr = html.slice(nameAt, i).toLowerCase()
    let j = i
    while (j < n && isSpace(html.charCodeAt(j))) j++
    if (html.charCodeAt(j) !== 61 /* = */) continue
    j++
    while (j < n && isSpace(html.charCodeAt(j))) j++
    const q = html.charCodeAt(j)
    let valueAt: number
    let valueEnd: number
    if (q === 34 /* " */ || q === 39 /* ' */) {
      valueAt = j + 1
      valueEnd = html.indexOf(q === 34 ? '"' : "'", valueAt)
      if (valueEnd < 0) valueEnd = n
      i = valueEnd + 1
    } else {
      valueAt = j
      valueEnd = j
      while (valueEnd < n && !isSpace(html.charCodeAt(valueEnd)) && html.charCodeAt(valueEnd) !== 62) valueEnd++
      i = valueEnd
    }
    if (attr === 'id' && id === null) {
      id = html.slice(valueAt, valueEnd)
      idEnd = valueEnd
    }
  }
}

function isSpace (c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 12 || c === 13
}

const rawEnds = new Map<string, RegExp>()
/** Where a raw text element's content ends: its end tag, in any case. */
function rawEnd (name: string): RegExp {
  let re = rawEnds.get(name)
  if (re === undefined) rawEnds.set(name, re = new RegExp(`</${name}(?=[\\s/>])`, 'gi'))
  return re
}

/**
 * `enclosing()` for a tricky render: the innermost element with an id that
 * starts before the window [start, end) of `after`, with its id before the
 * window, ends at or after it, and in `before` starts at the same place and
 * ends as far from the end of the HTML (so the change left its structure).
 */
function enclosingParsed (before: string, after: string, start: number, end: number): { id: string, open: number, close: number } | null {
  const then = new Map<number, Parsed>()
  for (const el of parseIds(before)) if (el.open < start) then.set(el.open, el)
  const now = parseIds(after)
  let best: Parsed | null = null
  for (const el of now) {
    if (el.open >= start) break
    if (el.idEnd >= start || el.close < end) continue
    const old = then.get(el.open)
    if (old === undefined || old.name !== el.name || old.id !== el.id || old.close !== el.close - after.length + before.length) continue
    best = el // later in document order and enclosing the window: inside the one before
  }
  return best === null ? null : { id: best.id, open: best.open, close: best.close }
}

/**
 * Apply a delta to HTML, as the browser does to its DOM: `null` (the browser
 * asks for the full HTML) when the element is not there or its id is not unique.
 */
export function applyDelta (html: string, [id, outer]: Delta): string | null {
  if (TRICKY.test(html)) {
    const found = parseIds(html).filter((el) => el.id === id)
    return found.length !== 1 || found[0]!.close < 0 ? null : html.slice(0, found[0]!.open) + outer + html.slice(found[0]!.close)
  }
  const needle = ` id="${id}"`
  const idAt = html.indexOf(needle)
  if (idAt < 0 || html.includes(needle, idAt + needle.length)) return null
  const open = html.lastIndexOf('<', idAt)
  const name = tagName(html, open)
  const end = name === null ? -1 : elementEnd(html, open, name)
  return end < 0 ? null : html.slice(0, open) + outer + html.slice(end)
}
