import { CONNECTED, EV_CONNECTED, HOOK, ROOT } from './constants.js'
import { emit } from './emit.js'
import type { Params } from './socket.js'
import { warnOnce } from './warn.js'

// Client hooks (`live-hook="Name"`) and the events a view pushes
// (`this.pushEvent`). A hook is an object with optional `mounted(ctx)`,
// `updated(ctx)` and `destroyed(ctx)`, found by name in `window.liveHooks`
// (set by a page script before the bundle loads) or `window.live.hooks`.
// Each element gets its own instance (`Object.create(hook)`, the `this` of
// its callbacks) and one `ctx`, `{ el, pushEvent(handler, params) }`.
//
// When: `mounted` once the element is in a joined live root (on the join, after
// a morph, or added by a page script), so its `pushEvent` reaches the view;
// `updated` after a morph that changed it; `destroyed` once it left the
// document. Morphs call `afterMorph`
// synchronously, so a hook is mounted before the events pushed with the same
// render are dispatched; the registry's scan catches what page scripts do.

export interface HookContext {
  el: Element
  /** Call the view's `@eventHandler` `handler` with `params`, as an event of this element would. */
  pushEvent (handler: string, params?: Params): void
}

export interface Hook {
  mounted? (ctx: HookContext): void
  updated? (ctx: HookContext): void
  destroyed? (ctx: HookContext): void
}

interface Mounted { name: string, instance: Hook, ctx: HookContext }

declare global {
  interface Window { liveHooks?: Record<string, Hook> }
}

/** The hooks a page script registers after the bundle loaded (`window.live.hooks`). */
export const hooks: Record<string, Hook> = {}

const mounted = new Map<Element, Mounted>()
/** Hooked elements a morph changed, waiting for `updated` once it ends. */
let changed: Element[] = []
let send: (el: Element, handler: string, params: Params) => void = () => {}

/** How `ctx.pushEvent` reaches the view: through the page's normal event path (browser/events.ts). */
export function setHookSender (fn: typeof send): void { send = fn }

/** A morph is about to change `el` into `next` (idiomorph's beforeNodeMorphed, for elements with `live-hook`). */
export function morphing (el: Element, next: Element): void {
  if (mounted.has(el) && !el.isEqualNode(next)) changed.push(el)
}

/** A morph (or a DOM change) ended: destroy what left, update what changed, mount what appeared under `scope`. */
export function afterMorph (scope: ParentNode): void {
  for (const [el, m] of mounted) {
    if (!el.isConnected || el.getAttribute(HOOK) !== m.name) destroy(el, m)
  }
  const updated = changed
  changed = []
  for (const el of updated) {
    const m = mounted.get(el)
    if (m) call(m, 'updated')
  }
  for (const el of scope.querySelectorAll(`[${HOOK}]`)) {
    if (!mounted.has(el) && el.closest(`[${ROOT}]`)?.classList.contains(CONNECTED)) mount(el)
  }
}

/** Mount the hooks of a root once it is joined. */
export function listenHooks (doc: Document): void {
  doc.addEventListener(EV_CONNECTED, (e) => afterMorph(e.target as Element))
}

function mount (el: Element): void {
  const name = el.getAttribute(HOOK)!
  const hook = window.liveHooks?.[name] ?? hooks[name]
  if (!hook) {
    warnOnce(el, HOOK, `no client hook named "${name}"; define it in window.liveHooks before the bundle loads, or in window.live.hooks (known: ${Object.keys({ ...hooks, ...window.liveHooks }).join(', ') || 'none'})`)
    return
  }
  const ctx: HookContext = {
    el,
    pushEvent (handler, params = {}) { send(el, handler, params) },
  }
  const m = { name, instance: Object.create(hook) as Hook, ctx }
  mounted.set(el, m)
  call(m, 'mounted')
}

function destroy (el: Element, m: Mounted): void {
  mounted.delete(el)
  call(m, 'destroyed')
}

// A hook is the page's code: its error is the page's, and must not stop a morph.
function call (m: Mounted, what: keyof Hook): void {
  try {
    m.instance[what]?.(m.ctx)
  } catch (err) {
    console.error(`live: the client hook "${m.name}" threw in ${what}()`, err)
  }
}

/** The events of `this.pushEvent` a frame carried: `live:<name>` on the root, in order, after its render. */
export function dispatchPushed (root: Element, ev: Array<[string, unknown]>): void {
  for (const [name, payload] of ev) emit(root, `live:${name}`, payload)
}
