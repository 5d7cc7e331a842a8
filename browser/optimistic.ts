import { OPTIMISTIC } from './constants.js'
import { applyMark, keepMark, parseActions, undoMark } from './optimistic-actions.js'
import { type Change, type Slot, release, slot, slotOf } from './slot.js'
import { warnOnce } from './warn.js'

// Applies an element's `live-optimistic` actions at once and records exactly
// what each one changed, so an error reply can undo just that, even after
// morphs, and two events in flight never undo each other.

const isControl = (el: Element): el is HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement =>
  el instanceof HTMLInputElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement

export function applyOptimistic (el: Element): Change[] {
  const out: Change[] = []
  // The user already changed the control; remember that it is ours to undo.
  if (isControl(el)) out.push({ kind: 'control', el })
  const { actions, unknown } = parseActions(el.getAttribute(OPTIMISTIC) ?? '')
  if (unknown.length) {
    warnOnce(el, OPTIMISTIC, `ignoring the unknown ${OPTIMISTIC} action${unknown.length > 1 ? 's' : ''} ${unknown.map((op) => `"${op}"`).join(', ')} (known: add-class, remove-class, toggle-class, set-attr, remove-attr, text, hide, show)`)
  }
  for (const action of actions) {
    if (action.kind === 'text') {
      out.push({ kind: 'text', el, text: action.text, children: [...el.childNodes] })
      el.textContent = action.text
    } else {
      out.push(...applyMark(el, action))
    }
  }
  slot(el).optimistic.push(...out)
  return out
}

/** Before a morph: make the incoming node carry our changes, and learn the server's values for undo. */
export function keepOptimistic (s: Slot, next: Element): void {
  for (const c of s.optimistic) {
    if (c.kind === 'text') {
      c.children = [...next.childNodes]
      next.textContent = c.text
    } else if (c.kind === 'control') {
      // The morph leaves the control as the user set it; an undo returns to this render.
      if (next instanceof HTMLSelectElement) c.selected = [...next.options].filter((o) => o.defaultSelected).map((o) => o.value)
      else if (next instanceof HTMLInputElement) { c.value = next.defaultValue; c.checked = next.defaultChecked }
      else if (next instanceof HTMLTextAreaElement) c.value = next.defaultValue
    } else {
      keepMark(c, next)
    }
  }
}

/**
 * The reply came: undo in reverse. On success the reply's render is applied
 * right after (same task, no paint between), so the server's render wins even
 * when it changed nothing; only the user's own input to a control stays.
 */
export function settleOptimistic (changes: Change[], ok: boolean): void {
  for (let i = changes.length - 1; i >= 0; i--) {
    const c = changes[i]!
    const s = slotOf(c.el)
    if (s) {
      s.optimistic.splice(s.optimistic.indexOf(c), 1)
      release(c.el, s)
    }
    if (c.kind === 'control') {
      if (!ok) resetControl(c)
    } else if (c.kind === 'text') {
      c.el.replaceChildren(...c.children)
    } else {
      undoMark(c)
    }
  }
}

// The default* properties mirror the server's render from before the event
// (the morph keeps the attributes of controls in flight unchanged); a render
// that came meanwhile (e.g. a handler that changed the field, then threw) is
// newer, so it replaces them first.
function resetControl (c: Extract<Change, { kind: 'control' }>): void {
  const el = c.el as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement
  if (el instanceof HTMLSelectElement) {
    for (const o of el.options) {
      if (c.selected) o.defaultSelected = c.selected.includes(o.value)
      o.selected = o.defaultSelected
    }
  } else if (el.type === 'checkbox' || el.type === 'radio') {
    const input = el as HTMLInputElement
    if (c.checked !== undefined) input.defaultChecked = c.checked
    input.checked = input.defaultChecked
    if (input.type === 'radio') {
      for (const r of (input.form ?? document).querySelectorAll<HTMLInputElement>('input[type=radio]')) {
        if (r.name === input.name && r.defaultChecked) r.checked = true
      }
    }
  } else {
    if (c.value !== undefined) el.defaultValue = c.value
    el.value = el.defaultValue
  }
}
