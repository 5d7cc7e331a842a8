import { Idiomorph } from 'idiomorph'
import { HOOK, IGNORE, ROOT, STREAM } from './constants.js'
import { afterMorph, morphing } from './hooks.js'
import { held, keep } from './pending.js'
import { applyStream, isStream, settleStreams } from './streams.js'

// Normalised once; the callbacks do one attribute check per element and a
// WeakMap lookup, and only touch elements that have an event in flight.
const config = {
  // children only, so the root's own attributes and classes survive
  morphStyle: 'innerHTML' as const,
  // Not idiomorph's ignoreActiveValue: it also skips the children of any
  // focused element, so a just-clicked button never got its new label. The
  // focused field's value is guarded below instead (focus and caret are
  // restored by idiomorph's restoreFocus).
  ignoreActiveValue: false,
  callbacks: {
    beforeNodeMorphed (old: Node, next: Node): boolean {
      if (old.nodeType !== 1) return true
      const el = old as Element
      // a nested root's content belongs to its own view; live-ignore is the user's
      if (el.hasAttribute(ROOT) || el.hasAttribute(IGNORE)) return false
      keep(el, next as Element)
      if (el.hasAttribute(HOOK)) morphing(el, next as Element)
      // a stream container keeps its items: the render's are applied to them (browser/streams.ts)
      if (isStream(el, next as Element)) {
        applyStream(el, next as Element, update)
        return false
      }
      return true
    },
    beforeAttributeUpdated (name: string, el: Element): boolean {
      if (name === 'value' && el === document.activeElement && (released === null || (el as HTMLInputElement).form !== released)) return false
      return !((name === 'value' || name === 'checked' || name === 'selected') && held(el))
    },
  },
}

// The form whose submit reply is being applied: its fields take the server's
// values even when focused (the todo box clears after Add, also with Enter).
let released: HTMLFormElement | null = null

/** Apply the reply to a submit of `form` (`fn`) with the form's focused field unguarded. */
export function releasing (form: HTMLFormElement, fn: () => void): void {
  released = form
  try { fn() } finally { released = null }
}

export function morph (root: Element, html: string): void {
  Idiomorph.morph(root, html, config)
  settleAll(root)
  afterMorph(root)
}

// A delta replaces one element (found by id): morph just it, whatever the size of the root.
const outer = { ...config, morphStyle: 'outerHTML' as const }
export function morphElement (el: Element, html: string): void {
  const parent = el.parentElement
  if (el.hasAttribute(STREAM)) {
    // the common delta of a stream: its container, applied without a morph of its (many) items
    const t = document.createElement('template')
    t.innerHTML = html
    const next = t.content.firstElementChild
    if (next !== null && next.id === el.id && isStream(el, next)) {
      keep(el, next)
      applyStream(el, next, update)
      afterMorph(el)
      return
    }
  }
  Idiomorph.morph(el, html, outer)
  if (parent) {
    settleAll(parent)
    afterMorph(parent)
  }
}

/** An item already in its stream, updated in place. */
function update (el: Element, next: Element): void {
  Idiomorph.morph(el, next, outer)
}

/** Stream containers that arrived whole, in the first page or in new HTML (browser/streams.ts). */
export function settleAll (scope: ParentNode): void {
  settleStreams(scope, update)
}
