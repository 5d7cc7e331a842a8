import { ARIA_BUSY, DISABLE_WITH, PENDING } from './constants.js'
import { type Change, type Slot, release, slot, slotOf } from './slot.js'
import { applyOptimistic, keepOptimistic, settleOptimistic } from './optimistic.js'

// The in-flight marks of an event (the browser half of `@loading`): its
// element gets live-pending + aria-busy, live-disable-with elements are
// disabled with their text swapped, optimistic changes are applied. All of it
// survives morphs until settle() runs on the reply or error.

export interface Flight { el: Element, dis: Element[], opt: Change[] }

export function begin (el: Element, optimistic: boolean): Flight {
  // Optimistic first: a disable-with text then sits on top of an optimistic text.
  const opt = optimistic ? applyOptimistic(el) : []
  const s = slot(el)
  if (!s.n++) mark(el)
  // A form's submit disables its submit buttons (and anything else marked).
  const dis = el instanceof HTMLFormElement
    ? [...el.querySelectorAll(`[${DISABLE_WITH}]`)]
    : el.hasAttribute(DISABLE_WITH) ? [el] : []
  for (const d of dis) disable(d)
  return { el, dis, opt }
}

export function settle (f: Flight, ok: boolean): void {
  for (const d of f.dis) {
    const s = slotOf(d)
    if (s && !--s.d) enable(d, s)
  }
  const s = slotOf(f.el)
  if (s && !--s.n) {
    f.el.classList.remove(PENDING)
    f.el.removeAttribute(ARIA_BUSY)
    release(f.el, s)
  }
  settleOptimistic(f.opt, ok)
}

/** Before a morph of an element with a slot: keep our marks on the incoming node. */
export function keep (el: Element, next: Element): void {
  const s = slotOf(el)
  if (!s) return
  keepOptimistic(s, next)
  if (s.n) mark(next)
  if (s.d) {
    // the server's latest content is what to restore when the reply comes
    s.was = next.hasAttribute('disabled')
    if (s.kids) s.kids = [...next.childNodes]
    else s.val = next.getAttribute('value') ?? ''
    swap(next, el.getAttribute(DISABLE_WITH) ?? '')
  }
}

/** A form control whose value the morph must leave alone: the user's input is in flight. */
export function held (el: Element): boolean {
  const c = el instanceof HTMLOptionElement ? el.closest('select') : el
  return !!c && (!!slotOf(c)?.n || !!((c as HTMLInputElement).form && slotOf((c as HTMLInputElement).form!)?.n))
}

function mark (el: Element): void {
  el.classList.add(PENDING)
  el.setAttribute(ARIA_BUSY, 'true')
}

function disable (el: Element): void {
  const s = slot(el)
  if (s.d++) return
  s.was = el.hasAttribute('disabled')
  if (el instanceof HTMLInputElement) s.val = el.value
  else s.kids = [...el.childNodes]
  swap(el, el.getAttribute(DISABLE_WITH) ?? '')
}

function swap (el: Element, text: string): void {
  if (el instanceof HTMLInputElement || el.localName === 'input') el.setAttribute('value', text)
  else el.textContent = text
  el.setAttribute('disabled', '')
}

function enable (el: Element, s: Slot): void {
  if (s.kids) el.replaceChildren(...s.kids)
  else (el as HTMLInputElement).value = s.val ?? ''
  if (!s.was) el.removeAttribute('disabled')
  s.kids = s.val = undefined
  release(el, s)
}
