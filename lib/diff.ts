// Deltas: only what changed crosses the wire.
//
// The server keeps the last HTML it sent for each view. A new render is
// compared with it: the common prefix and suffix leave one changed window.
// The smallest element *with an id* that encloses that window in both
// renders is sent as its new outer HTML, and the browser morphs just that
// element. When no such element exists (the change touches the root's own
// children), the full HTML is sent instead.
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

  /** Forget the last change: the next render is compared with one this differ did not see. */
  reset (): void {
    this.#run = null
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
      return [run.id, after.slice(run.open, run.close)]
    }
    this.#run = null
    const found = enclosing(before, after, start, end)
    if (found === null) return null
    const to = after.indexOf('<', end) // there is one: the element's end tag
    if (to >= 0 && inText(after, start) && !hasMarkup(after, start, end)) {
      this.#run = { from: after.lastIndexOf('>', start - 1) + 1, to, ...found }
    }
    return [found.id, after.slice(found.open, found.close)]
  }
}

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
 * Apply a delta to HTML, as the browser does to its DOM: `null` (the browser
 * asks for the full HTML) when the element is not there or its id is not unique.
 */
export function applyDelta (html: string, [id, outer]: Delta): string | null {
  const needle = ` id="${id}"`
  const idAt = html.indexOf(needle)
  if (idAt < 0 || html.includes(needle, idAt + needle.length)) return null
  const open = html.lastIndexOf('<', idAt)
  const name = tagName(html, open)
  const end = name === null ? -1 : elementEnd(html, open, name)
  return end < 0 ? null : html.slice(0, open) + outer + html.slice(end)
}
