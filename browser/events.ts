import { BINDINGS, DEBOUNCE, KEY, THROTTLE } from './constants.js'
import { controlValue, serialize } from './form.js'
import { debounce, flush } from './debounce.js'
import { throttle } from './throttle.js'
import { type LiveRoot, rootOf } from './root.js'
import type { Params } from './socket.js'

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

function onBubbling (e: Event): void {
  const type = e.type as Binding
  const attr = BINDINGS[type]
  const target = e.target as Element
  const el = target.closest?.(`[${attr}]`)
  const root = el && rootOf(el)
  if (!root || (e as InputEvent).isComposing) return
  const p = dataParams(el)
  let gateKey: string | undefined
  if (type !== 'click') {
    const value = controlValue(target) ?? controlValue(el)
    if (value !== undefined) p.value = value
  }
  if (e instanceof KeyboardEvent) {
    const want = el.getAttribute(KEY)
    if (want && want.toLowerCase() !== e.key.toLowerCase()) return
    p.key = gateKey = e.key
  }
  fire(root, el, el.getAttribute(attr)!, type, p, gateKey)
}

function onSubmit (e: SubmitEvent): void {
  const form = e.target as HTMLFormElement
  const h = form.getAttribute(BINDINGS.submit)
  const root = h && rootOf(form)
  if (!root) return
  e.preventDefault()
  // the inputs' debounced sends go first, so the server sees them before the submit
  flush(form)
  fire(root, form, h, 'submit', serialize(form, e.submitter))
}

function onFocus (e: FocusEvent): void {
  const el = e.target as Element
  if (e.type === 'focusout') flush(el)
  const h = el.getAttribute?.(BINDINGS[e.type as Binding])
  const root = h && rootOf(el)
  if (!root) return
  const p: Params = {}
  const value = controlValue(el)
  if (value !== undefined) p.value = value
  // the element's live-debounce is about its input, and blur is what flushes it
  fire(root, el, h, e.type === 'focusin' ? 'focus' : 'blur', p, undefined, false)
}

/** The rate policies: an element's valid live-debounce / live-throttle override the handler's timing. */
function fire (root: LiveRoot, el: Element, h: string, type: string, p: Params, key?: string, overrides = true): void {
  const send = (): void => { void root.event(el, h, type, p) }
  const pol = root.policy(h)
  const pd = pol.debounce
  const d = overrides ? override(el, DEBOUNCE, 0, 'blur') : null
  // 0: at once; a wait keeps the handler's maxWait; blur sends nothing while typing
  if (d === null ? pd : d) {
    debounce(el, h, d ?? pd!.wait ?? 300, d === 'blur' ? undefined : pd?.maxWait, send)
    return
  }
  const t = overrides ? override(el, THROTTLE, 1) as number | null : null
  const tp = t === null ? pol.throttle : { ...pol.throttle, interval: t }
  // key events throttle per key, so another key isn't held back
  if (tp) throttle(el, key === undefined ? h : `${h}:${key}`, tp, send)
  else send()
}

const warned: Record<string, WeakSet<Element>> = {}

/**
 * An element's `attr`: whole milliseconds from `min` (up to setTimeout's
 * limit) or `word`. null when absent or invalid: an invalid value is ignored,
 * so the handler's own policy applies, and warned about once per element.
 */
function override (el: Element, attr: string, min: number, word?: 'blur'): number | 'blur' | null {
  const v = el.getAttribute(attr)
  if (v === null || v === word) return v
  if (/^\d+$/.test(v) && +v >= min && +v < 2 ** 31) return +v
  const w = warned[attr] ??= new WeakSet()
  if (!w.has(el)) {
    w.add(el)
    console.warn(`live: ignoring ${attr}="${v}" (accepted: whole milliseconds ≥ ${min}${word ? ` or "${word}"` : ''}); the handlers' own policies apply on`, el)
  }
  return null
}
