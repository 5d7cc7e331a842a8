import { debug } from './debug.js'

// Development warnings about an element's live-* attribute, once per element
// and attribute however often the element fires. Production stays quiet.

const warned = new Map<string, WeakSet<Element>>()

/** `input#q`, or `button.save.primary`, or `li`: enough to find the element. */
export const describe = (el: Element): string =>
  el.localName + (el.id ? `#${el.id}` : [...el.classList].slice(0, 2).map((c) => `.${c}`).join(''))

export function warnOnce (el: Element, attr: string, message: string): void {
  if (!debug.on) return
  let seen = warned.get(attr)
  if (!seen) warned.set(attr, seen = new WeakSet())
  if (seen.has(el)) return
  seen.add(el)
  console.warn(`live: ${describe(el)}: ${message}`, el)
}
