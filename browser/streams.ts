import { STREAM, STREAM_EMPTY, STREAM_OPS } from './constants.js'
import { watchViewport } from './viewport.js'

// Stream containers (`live-stream`, API.md §10). The server renders only the
// items added since its last render, and forgets them; the page keeps the
// others. So a container is never morphed as a whole: its new children are
// applied to the ones it holds, with the operations the render wrote on it
// (`data-live-stream-ops`, lib/streams.ts): reset, deletes, then each insert
// at its position (an item already there is updated in place), each followed
// by its limit. Applying the same render twice leaves the page as once.

interface Ops {
  /** reset: remove the items first */
  r?: 1
  /** items to delete, by id */
  d?: string[]
  /** [id, at, limit] of the inserted items that are not appended without a limit */
  i?: Array<[string, number, number | null]>
}

/** Morphs an item in place (browser/morph.ts passes idiomorph's). */
export type Update = (el: Element, next: Element) => void

/**
 * Whether the render `next` of `el` is a stream's: the server writes the
 * operations on every container of a view with streams, so a `live-stream`
 * in a view that declares none is morphed like any element.
 */
export const isStream = (el: Element, next: Element): boolean => el.hasAttribute(STREAM) && next.hasAttribute(STREAM_OPS)

/** A render's container `next` arrives for the container `el` the page holds. */
export function applyStream (el: Element, next: Element, update: Update): void {
  syncAttributes(el, next)
  apply(el, [...next.children], parse(next.getAttribute(STREAM_OPS)), update)
}

/**
 * Containers that arrived whole (the first page, or inside new HTML a morph
 * inserted): their operations apply as if they had been empty (a limit
 * trims, positions order). Each is settled once: the attribute goes.
 */
export function settleStreams (scope: ParentNode, update: Update): void {
  for (const el of scope.querySelectorAll(`[${STREAM_OPS}]`)) {
    const ops = parse(el.getAttribute(STREAM_OPS))
    el.removeAttribute(STREAM_OPS)
    const incoming = [...el.children].filter((c) => !c.hasAttribute(STREAM_EMPTY))
    for (const c of incoming) c.remove()
    apply(el, incoming, ops, update)
  }
}

function parse (raw: string | null): Ops {
  try { return raw ? JSON.parse(raw) as Ops : {} } catch { return {} }
}

/** The container's own attributes take the render's (class, handlers), the operations excepted. */
function syncAttributes (el: Element, next: Element): void {
  for (const a of next.attributes) if (a.name !== STREAM_OPS && el.getAttribute(a.name) !== a.value) el.setAttribute(a.name, a.value)
  for (const a of [...el.attributes]) if (!next.hasAttribute(a.name) || a.name === STREAM_OPS) el.removeAttribute(a.name)
}

function apply (el: Element, incoming: Element[], ops: Ops, update: Update): void {
  const placed = new Map<string, [number, number | null]>()
  for (const [id, at, limit] of ops.i ?? []) placed.set(id, [at, limit])
  if (ops.r) {
    // A reset keeps the elements of items it shows again (their focus, their hooks), in the new order.
    const again = new Set(incoming.map((c) => c.id))
    for (const c of [...el.children]) if (!c.hasAttribute(STREAM_EMPTY) && !again.has(c.id)) c.remove()
  }
  for (const id of ops.d ?? []) itemOf(el, id)?.remove()
  for (const child of incoming) {
    if (child.hasAttribute(STREAM_EMPTY)) {
      const had = emptyOf(el)
      if (had) update(had, child)
      else empties.set(el, el.insertBefore(child, el.firstChild))
      continue
    }
    // items need ids: without one, an item could never be updated or deleted
    if (!child.id) continue
    const [at, limit] = placed.get(child.id) ?? [-1, null]
    const had = itemOf(el, child.id)
    if (had) {
      update(had, child)
      if (ops.r) place(el, had, at)
    } else {
      place(el, child, at)
    }
    if (limit) trim(el, limit)
  }
  const empty = emptyOf(el)
  if (empty) empty.toggleAttribute('hidden', itemCount(el, empty) > 0)
  watchViewport(el)
}

/** The item with that id, if it is one of this container's. */
function itemOf (el: Element, id: string): Element | null {
  const found = document.getElementById(id)
  return found?.parentElement === el ? found : null
}

/**
 * The container's empty-state child. Remembered: looking for it among 10,000
 * items costs 2 ms, and only this module adds one (an incoming child).
 */
const empties = new WeakMap<Element, Element | null>()
function emptyOf (el: Element): Element | null {
  let empty = empties.get(el)
  if (empty === undefined || (empty !== null && empty.parentElement !== el)) {
    empty = el.querySelector(`:scope>[${STREAM_EMPTY}]`)
    empties.set(el, empty)
  }
  return empty
}

function itemCount (el: Element, empty = emptyOf(el)): number {
  return el.childElementCount - (empty ? 1 : 0)
}

/** Put `node` before the item at index `at` (after the last for -1 or past the end). */
function place (el: Element, node: Element, at: number): void {
  if (at < 0) {
    if (node.parentElement !== el || node.nextElementSibling !== null) el.appendChild(node)
    return
  }
  let k = 0
  for (let c = el.firstElementChild; c !== null; c = c.nextElementSibling) {
    if (c === node || c.hasAttribute(STREAM_EMPTY)) continue
    if (k++ === at) {
      el.insertBefore(node, c)
      return
    }
  }
  el.appendChild(node)
}

/** Keep the first `limit` items (limit > 0) or the last -limit (limit < 0). */
function trim (el: Element, limit: number): void {
  const empty = emptyOf(el)
  let over = itemCount(el, empty) - Math.abs(limit)
  while (over-- > 0) {
    let c = limit > 0 ? el.lastElementChild : el.firstElementChild
    if (c === empty) c = limit > 0 ? c!.previousElementSibling : c!.nextElementSibling
    c?.remove()
  }
}
