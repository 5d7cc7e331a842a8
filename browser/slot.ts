// The one private slot per element that has an event in flight. Everything
// the bundle changed on an element lives here, so the morph can keep it and a
// reply can undo it; the slot is dropped as soon as nothing is left in it.

export type Change =
  | { k: 'class', el: Element, name: string, add: boolean, did: boolean }
  | { k: 'attr', el: Element, name: string, prev: string | null, next: string | null }
  | { k: 'text', el: Element, text: string, kids: Node[] }
  /** what the user changed; value/checked/selected: the server's latest render of it, once a morph showed one */
  | { k: 'control', el: Element, value?: string, checked?: boolean, selected?: string[] }

export interface Slot {
  /** in-flight events fired by this element (live-pending, aria-busy) */
  n: number
  /** in-flight events that disabled it (live-disable-with) */
  d: number
  /** what live-disable-with replaced: children, or an input's value */
  kids?: Node[]
  val?: string
  was?: boolean
  /** optimistic changes waiting for their reply, in the order applied */
  opt: Change[]
}

const slots = new WeakMap<Element, Slot>()

export const slotOf = (el: Element): Slot | undefined => slots.get(el)

export function slot (el: Element): Slot {
  let s = slots.get(el)
  if (!s) slots.set(el, s = { n: 0, d: 0, opt: [] })
  return s
}

export function release (el: Element, s: Slot): void {
  if (!s.n && !s.d && !s.opt.length) slots.delete(el)
}
