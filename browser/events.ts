import { BINDINGS, DEBOUNCE, KEY, THROTTLE } from './constants.js'
import { controlValue, formChange, serialize } from './form.js'
import { pageDebounce } from './debounce.js'
import { pageThrottle } from './throttle.js'
import { rootOf } from './registry.js'
import type { LiveRoot } from './root.js'
import type { Params } from './socket.js'
import { warnOnce } from './warn.js'

// Delegated listeners on the document, one per DOM event type (never one per
// element), so elements added by morphs need no wiring.

type Binding = keyof typeof BINDINGS

export function listen (doc: Document): void {
  for (const type of ['click', 'input', 'change', 'keydown', 'keyup'] as const) doc.addEventListener(type, onBubbling)
  doc.addEventListener('submit', onSubmit)
  // focus/blur don't bubble; focusin/focusout do
  doc.addEventListener('focusin', onFocus)
  doc.addEventListener('focusout', onFocus)
}

/** data-* attributes, camelCased by the dataset; the bundle's own data-live-* are not params. */
function dataParams (el: Element): Params {
  const p: Params = {}
  const data = (el as HTMLElement).dataset ?? {}
  for (const k in data) if (!/^live[A-Z]/.test(k)) p[k] = data[k]
  return p
}

/** Pending debounced sends of `scope`, its ancestors, descendants or (a form) its fields. */
const flush = (scope: Element): void =>
  pageDebounce.flush((el) => scope.contains(el) || el.contains(scope) || (el as HTMLInputElement).form === scope)

function onBubbling (e: Event): void {
  const type = e.type as Binding
  const attr = BINDINGS[type]
  const target = e.target as Element
  const el = target.closest?.(`[${attr}]`)
  const root = el && rootOf(el)
  if (!root || (e as InputEvent).isComposing) return
  const params = dataParams(el)
  let key: string | undefined
  // on a form, input and change send all its fields (API.md §3)
  if ((type === 'input' || type === 'change') && el instanceof HTMLFormElement) Object.assign(params, formChange(el, target))
  else if (type !== 'click') {
    const value = controlValue(target) ?? controlValue(el)
    if (value !== undefined) params.value = value
  }
  if (e instanceof KeyboardEvent) {
    const want = el.getAttribute(KEY)
    if (want && want.toLowerCase() !== e.key.toLowerCase()) return
    params.key = key = e.key
  }
  fire({ root, el, handler: el.getAttribute(attr)!, type, params, key })
}

function onSubmit (e: SubmitEvent): void {
  const form = e.target as HTMLFormElement
  const handler = form.getAttribute(BINDINGS.submit)
  const root = handler && rootOf(form)
  if (!root) return
  e.preventDefault()
  // the inputs' debounced sends go first, so the server sees them before the submit
  flush(form)
  fire({ root, el: form, handler, type: 'submit', params: serialize(form, e.submitter) })
}

function onFocus (e: FocusEvent): void {
  const el = e.target as Element
  if (e.type === 'focusout') flush(el)
  const handler = el.getAttribute?.(BINDINGS[e.type as Binding])
  const root = handler && rootOf(el)
  if (!root) return
  const params: Params = {}
  const value = controlValue(el)
  if (value !== undefined) params.value = value
  // the element's live-debounce is about its input, and blur is what flushes it
  fire({ root, el, handler, type: e.type === 'focusin' ? 'focus' : 'blur', params, overrides: false })
}

/** A client hook's `ctx.pushEvent(handler, params)`: an event of the hook's element, with the handler's policies. */
export function hookEvent (el: Element, handler: string, params: Params): void {
  const root = rootOf(el)
  if (root) fire({ root, el, handler, type: 'hook', params: { ...params } })
}

/** A stream container's edge came into view (`live-viewport-bottom` / `-top`, browser/viewport.ts). */
export function viewportEvent (el: Element, handler: string): void {
  const root = rootOf(el)
  if (root) fire({ root, el, handler, type: 'viewport', params: dataParams(el) })
}

interface Fire {
  root: LiveRoot
  el: Element
  handler: string
  /** the event type the server is told */
  type: string
  params: Params
  /** the key of a key event: throttled per key, so another key isn't held back */
  key?: string | undefined
  /** whether the element's live-debounce / live-throttle apply (default true) */
  overrides?: boolean
}

/** The rate policies: an element's valid live-debounce / live-throttle override the handler's timing. */
function fire ({ root, el, handler, type, params, key, overrides = true }: Fire): void {
  const send = (): void => { void root.event(el, handler, type, params) }
  const policy = root.policy(handler)
  const own = policy.debounce
  const wait = overrides ? override(el, DEBOUNCE, 0, 'blur') : null
  // 0: at once; a wait keeps the handler's maxWait; blur sends nothing while typing
  if (wait === null ? own : wait) {
    pageDebounce.debounce({
      target: el,
      handler,
      wait: wait ?? own!.wait ?? 300,
      maxWait: wait === 'blur' ? undefined : own?.maxWait,
      fire: send,
    })
    return
  }
  const interval = overrides ? override(el, THROTTLE, 1) as number | null : null
  const throttle = interval === null ? policy.throttle : { ...policy.throttle, interval }
  if (throttle) pageThrottle.throttle({ target: el, key: key === undefined ? handler : `${handler}:${key}`, policy: throttle, fire: send })
  else send()
}

/**
 * An element's `attr`: whole milliseconds from `min` (up to setTimeout's
 * limit) or `word`. null when absent or invalid: an invalid value is ignored,
 * so the handler's own policy applies (and, in development, warned about).
 */
function override (el: Element, attr: string, min: number, word?: 'blur'): number | 'blur' | null {
  const value = el.getAttribute(attr)
  if (value === null || value === word) return value
  if (/^\d+$/.test(value) && +value >= min && +value < 2 ** 31) return +value
  warnOnce(el, attr, `ignoring ${attr}="${value}" (accepted: whole milliseconds ≥ ${min}${word ? ` or "${word}"` : ''}); the handlers' own policies apply`)
  return null
}
