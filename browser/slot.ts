import type { MarkChange } from './optimistic-actions.js'

// The one private slot per element that has an event in flight. Everything
// the bundle changed on an element lives here, so the morph can keep it and a
// reply can undo it; the slot is dropped as soon as nothing is left in it.

export type Change =
  | MarkChange
  | { kind: 'text', el: Element, text: string, children: Node[] }
  /** what the user changed; value/checked/selected: the server's latest render of it, once a morph showed one */
  | { kind: 'control', el: Element, value?: string, checked?: boolean, selected?: string[] }

export interface Slot {
  /** in-flight events fired by this element (live-pending, aria-busy) */
  inFlight: number
  /** in-flight events that disabled it (live-disable-with) */
  disabling: number
  /** what live-disable-with replaced: children, or an input's value */
  children?: Node[] | undefined
  value?: string | undefined
  wasDisabled?: boolean
  /** optimistic changes waiting for their reply, in the order applied */
  optimistic: Change[]
}

const slots = new WeakMap<Element, Slot>()

export const slotOf = (el: Element): Slot | undefined => slots.get(el)

export function slot (el: Element): Slot {
  let s = slots.get(el)
  if (!s) slots.set(el, s = { inFlight: 0, disabling: 0, optimistic: [] })
  return s
}

export function release (el: Element, s: Slot): void {
  if (!s.inFlight && !s.disabling && !s.optimistic.length) slots.delete(el)
}
