import { CONNECTED, EV_CONNECTED, ROOT, STREAM_EMPTY, VIEWPORT_BOTTOM, VIEWPORT_MS, VIEWPORT_TOP } from './constants.js'

// Infinite scroll: `live-viewport-bottom="handler"` (and `-top`) on a stream
// container calls the handler when the container's last (first) item comes
// into view, so "load more" needs no button. One IntersectionObserver watches
// the edge item of each such container; when a render moves the edge (the
// items loaded), the new edge item is watched, and if it is in view already
// the handler runs again, until the viewport is filled or nothing more comes.
// Calls are at least VIEWPORT_MS apart per container and edge.

type Edge = 'bottom' | 'top'
interface Target { container: Element, edge: Edge, visible: boolean }

let send: (el: Element, handler: string) => void = () => {}
/** How the handler is called: the page's normal event path (browser/events.ts). */
export function setViewportSender (fn: typeof send): void { send = fn }

const ATTRS: Record<Edge, string> = { bottom: VIEWPORT_BOTTOM, top: VIEWPORT_TOP }
/** The edge items watched, and what they stand for. */
const targets = new Map<Element, Target>()
/** Per container: its watched edge items, when each edge last fired, a re-check waiting. */
const state = new WeakMap<Element, { bottom?: Element, top?: Element, fired: Record<Edge, number>, timer: Record<Edge, number> }>()
let observer: IntersectionObserver | undefined

/** Watch the edges of `container` that have a handler (after each render of its items). */
export function watchViewport (container: Element): void {
  const s = state.get(container)
  if (s === undefined && !container.hasAttribute(VIEWPORT_BOTTOM) && !container.hasAttribute(VIEWPORT_TOP)) return
  observer ??= new IntersectionObserver(seen)
  const own = s ?? { fired: { bottom: -Infinity, top: -Infinity }, timer: { bottom: 0, top: 0 } }
  state.set(container, own)
  for (const edge of ['bottom', 'top'] as const) {
    const want = container.hasAttribute(ATTRS[edge]) ? edgeItem(container, edge) ?? container : undefined
    const had = own[edge]
    if (had === want) continue
    if (had !== undefined && targets.get(had)?.container === container) {
      targets.delete(had)
      observer.unobserve(had)
    }
    own[edge] = want
    if (want !== undefined) {
      targets.set(want, { container, edge, visible: false })
      observer.observe(want)
    }
  }
  // Containers that left the page: forget their edges.
  for (const [el, t] of targets) {
    if (!t.container.isConnected) {
      targets.delete(el)
      observer.unobserve(el)
    }
  }
}

/** A view joined: edges already in view fire now (before the join there was no one to call). */
export function listenViewport (doc: Document): void {
  doc.addEventListener(EV_CONNECTED, (e) => {
    for (const t of targets.values()) if (t.visible && (e.target as Element).contains(t.container)) reach(t)
  })
}

function edgeItem (container: Element, edge: Edge): Element | null {
  let c = edge === 'bottom' ? container.lastElementChild : container.firstElementChild
  while (c !== null && c.hasAttribute(STREAM_EMPTY)) c = edge === 'bottom' ? c.previousElementSibling : c.nextElementSibling
  return c
}

function seen (entries: IntersectionObserverEntry[]): void {
  for (const entry of entries) {
    const t = targets.get(entry.target)
    if (t === undefined) continue
    t.visible = entry.isIntersecting
    if (t.visible) reach(t)
  }
}

function reach (t: Target): void {
  const { container, edge } = t
  const s = state.get(container)
  const handler = container.getAttribute(ATTRS[edge])
  if (s === undefined || !handler || !container.isConnected) return
  // not joined yet: listenViewport calls again once it is
  if (container.closest(`[${ROOT}]`)?.classList.contains(CONNECTED) !== true) return
  const wait = s.fired[edge] + VIEWPORT_MS - performance.now()
  if (wait > 0) {
    // too soon: look again when the interval ends, if this edge is still the one in view
    clearTimeout(s.timer[edge])
    s.timer[edge] = setTimeout(() => { if (t.visible && s[edge] !== undefined && targets.get(s[edge]) === t) reach(t) }, wait)
    return
  }
  s.fired[edge] = performance.now()
  send(container, handler)
}
