import { OPTIMISTIC } from './constants.js'
import { type Change, type Slot, release, slot, slotOf } from './slot.js'

// Applies an element's `live-optimistic` actions at once and records exactly
// what each one changed, so an error reply can undo just that, even after
// morphs, and two events in flight never undo each other.

const isControl = (el: Element): el is HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement =>
  el instanceof HTMLInputElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement

export function applyOptimistic (el: Element): Change[] {
  const out: Change[] = []
  const attr = (name: string, next: string | null): void => {
    if (!name) return
    out.push({ k: 'attr', el, name, prev: el.getAttribute(name), next })
    setAttr(el, name, next)
  }
  // The user already changed the control; remember that it is ours to undo.
  if (isControl(el)) out.push({ k: 'control', el })
  for (const part of (el.getAttribute(OPTIMISTIC) ?? '').split(';')) {
    const i = part.indexOf(':')
    const op = (i < 0 ? part : part.slice(0, i)).trim()
    const arg = i < 0 ? '' : part.slice(i + 1).trim()
    if (op.endsWith('-class')) {
      for (const name of arg.split(/\s+/)) {
        if (!name) continue
        const add = op[0] === 'a' || (op[0] === 't' && !el.classList.contains(name))
        out.push({ k: 'class', el, name, add, did: el.classList.contains(name) !== add })
        el.classList.toggle(name, add)
      }
    } else if (op === 'set-attr') {
      const j = arg.indexOf('=')
      attr((j < 0 ? arg : arg.slice(0, j)).trim(), j < 0 ? '' : arg.slice(j + 1).trim().replace(/^(["'])(.*)\1$/, '$2'))
    } else if (op === 'remove-attr') {
      attr(arg, null)
    } else if (op === 'hide' || op === 'show') {
      attr('hidden', op === 'hide' ? '' : null)
    } else if (op === 'text') {
      out.push({ k: 'text', el, text: arg, kids: [...el.childNodes] })
      el.textContent = arg
    }
  }
  slot(el).opt.push(...out)
  return out
}

/** Before a morph: make the incoming node carry our changes, and learn the server's values for undo. */
export function keepOptimistic (s: Slot, next: Element): void {
  for (const c of s.opt) {
    if (c.k === 'class') {
      c.did = next.classList.contains(c.name) !== c.add
      next.classList.toggle(c.name, c.add)
    } else if (c.k === 'attr') {
      c.prev = next.getAttribute(c.name)
      setAttr(next, c.name, c.next)
    } else if (c.k === 'text') {
      c.kids = [...next.childNodes]
      next.textContent = c.text
    } else if (c.k === 'control') {
      // The morph leaves the control as the user set it; an undo returns to this render.
      if (next instanceof HTMLSelectElement) c.selected = [...next.options].filter((o) => o.defaultSelected).map((o) => o.value)
      else if (next instanceof HTMLInputElement) { c.value = next.defaultValue; c.checked = next.defaultChecked }
      else if (next instanceof HTMLTextAreaElement) c.value = next.defaultValue
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
    const c = changes[i]
    const s = slotOf(c.el)
    if (s) {
      s.opt.splice(s.opt.indexOf(c), 1)
      release(c.el, s)
    }
    if (ok && c.k === 'control') continue
    if (c.k === 'class') {
      if (c.did) c.el.classList.toggle(c.name, !c.add)
    } else if (c.k === 'attr') {
      setAttr(c.el, c.name, c.prev)
    } else if (c.k === 'text') {
      c.el.replaceChildren(...c.kids)
    } else {
      resetControl(c)
    }
  }
}

function setAttr (el: Element, name: string, value: string | null): void {
  if (value === null) el.removeAttribute(name)
  else el.setAttribute(name, value)
}

// The default* properties mirror the server's render from before the event
// (the morph keeps the attributes of controls in flight unchanged); a render
// that came meanwhile (e.g. a handler that changed the field, then threw) is
// newer, so it replaces them first.
function resetControl (c: Extract<Change, { k: 'control' }>): void {
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
