import { ARIA_BUSY, DISABLE_WITH, PENDING } from './constants.js'
import { type Change, type Slot, release, slot, slotOf } from './slot.js'
import { applyOptimistic, keepOptimistic, settleOptimistic } from './optimistic.js'

// The in-flight marks of an event (the browser half of `@loading`): its
// element gets live-pending + aria-busy, live-disable-with elements are
// disabled with their text swapped, optimistic changes are applied. All of it
// survives morphs until settle() runs on the reply or error.

/** An event in flight: its element, the elements it disabled, its optimistic changes. */
export interface Flight { el: Element, disabled: Element[], optimistic: Change[] }

export function begin (el: Element, optimistic: boolean): Flight {
  // Optimistic first: a disable-with text then sits on top of an optimistic text.
  const changes = optimistic ? applyOptimistic(el) : []
  const s = slot(el)
  if (!s.inFlight++) mark(el)
  // A form's submit disables its submit buttons (and anything else marked).
  const disabled = el instanceof HTMLFormElement
    ? [...el.querySelectorAll(`[${DISABLE_WITH}]`)]
    : el.hasAttribute(DISABLE_WITH) ? [el] : []
  for (const d of disabled) disable(d)
  return { el, disabled, optimistic: changes }
}

export function settle (f: Flight, ok: boolean): void {
  for (const d of f.disabled) {
    const s = slotOf(d)
    if (s && !--s.disabling) enable(d, s)
  }
  const s = slotOf(f.el)
  if (s && !--s.inFlight) {
    f.el.classList.remove(PENDING)
    f.el.removeAttribute(ARIA_BUSY)
    release(f.el, s)
  }
  settleOptimistic(f.optimistic, ok)
}

/** Before a morph of an element with a slot: keep our marks on the incoming node. */
export function keep (el: Element, next: Element): void {
  const s = slotOf(el)
  if (!s) return
  keepOptimistic(s, next)
  if (s.inFlight) mark(next)
  if (s.disabling) {
    // the server's latest content is what to restore when the reply comes
    s.wasDisabled = next.hasAttribute('disabled')
    if (s.children) s.children = [...next.childNodes]
    else s.value = next.getAttribute('value') ?? ''
    swap(next, el.getAttribute(DISABLE_WITH) ?? '')
  }
}

/** A form control whose value the morph must leave alone: the user's input is in flight. */
export function held (el: Element): boolean {
  const c = el instanceof HTMLOptionElement ? el.closest('select') : el
  return !!c && (!!slotOf(c)?.inFlight || !!((c as HTMLInputElement).form && slotOf((c as HTMLInputElement).form!)?.inFlight))
}

function mark (el: Element): void {
  el.classList.add(PENDING)
  el.setAttribute(ARIA_BUSY, 'true')
}

function disable (el: Element): void {
  const s = slot(el)
  if (s.disabling++) return
  s.wasDisabled = el.hasAttribute('disabled')
  if (el instanceof HTMLInputElement) s.value = el.value
  else s.children = [...el.childNodes]
  swap(el, el.getAttribute(DISABLE_WITH) ?? '')
}

function swap (el: Element, text: string): void {
  if (el instanceof HTMLInputElement || el.localName === 'input') el.setAttribute('value', text)
  else el.textContent = text
  el.setAttribute('disabled', '')
}

function enable (el: Element, s: Slot): void {
  if (s.children) el.replaceChildren(...s.children)
  else (el as HTMLInputElement).value = s.value ?? ''
  if (!s.wasDisabled) el.removeAttribute('disabled')
  s.children = s.value = undefined
  release(el, s)
}
