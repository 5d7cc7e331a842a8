// The `live-optimistic` mini-language and the undo record of its class and
// attribute actions. No DOM here beyond the few element methods named in
// `Marked` (so the record can be checked in Node): the text and form-control
// parts, which need real nodes, are in optimistic.ts.

export type Action =
  | { kind: 'class', names: string[], mode: 'add' | 'remove' | 'toggle' }
  | { kind: 'attr', name: string, value: string | null }
  | { kind: 'text', text: string }

const CLASS_MODES: Record<string, 'add' | 'remove' | 'toggle'> = { 'add-class': 'add', 'remove-class': 'remove', 'toggle-class': 'toggle' }

/** `add-class:a b; set-attr:aria-pressed=true; text:Saving…` → actions, and the ops it does not know (ignored). */
export function parseActions (spec: string): { actions: Action[], unknown: string[] } {
  const actions: Action[] = []
  const unknown: string[] = []
  for (const part of spec.split(';')) {
    const i = part.indexOf(':')
    const op = (i < 0 ? part : part.slice(0, i)).trim()
    const arg = i < 0 ? '' : part.slice(i + 1).trim()
    if (op in CLASS_MODES) {
      actions.push({ kind: 'class', names: arg.split(/\s+/).filter(Boolean), mode: CLASS_MODES[op]! })
    } else if (op === 'set-attr') {
      const j = arg.indexOf('=')
      const name = (j < 0 ? arg : arg.slice(0, j)).trim()
      if (name) actions.push({ kind: 'attr', name, value: j < 0 ? '' : arg.slice(j + 1).trim().replace(/^(["'])(.*)\1$/, '$2') })
    } else if (op === 'remove-attr') {
      if (arg) actions.push({ kind: 'attr', name: arg, value: null })
    } else if (op === 'hide' || op === 'show') {
      actions.push({ kind: 'attr', name: 'hidden', value: op === 'hide' ? '' : null })
    } else if (op === 'text') {
      actions.push({ kind: 'text', text: arg })
    } else if (op) {
      unknown.push(op)
    }
  }
  return { actions, unknown }
}

/** What the record needs of an element. */
export interface Marked {
  classList: { contains (name: string): boolean, toggle (name: string, force?: boolean): boolean }
  getAttribute (name: string): string | null
  setAttribute (name: string, value: string): void
  removeAttribute (name: string): void
}

/** `did`: the class really changed (adding a class already there is nothing to undo). */
export interface ClassChange<E extends Marked = Element> { kind: 'class', el: E, name: string, add: boolean, did: boolean }
/** `previous`: the value to restore; `next`: the value the action sets (null: removed). */
export interface AttrChange<E extends Marked = Element> { kind: 'attr', el: E, name: string, previous: string | null, next: string | null }
export type MarkChange<E extends Marked = Element> = ClassChange<E> | AttrChange<E>

/** Apply a class or attribute action to `el`, returning what each step changed, in order. */
export function applyMark<E extends Marked> (el: E, action: Exclude<Action, { kind: 'text' }>): Array<MarkChange<E>> {
  if (action.kind === 'attr') {
    const change: AttrChange<E> = { kind: 'attr', el, name: action.name, previous: el.getAttribute(action.name), next: action.value }
    setAttr(el, action.name, action.value)
    return [change]
  }
  return action.names.map((name) => {
    const had = el.classList.contains(name)
    const add = action.mode === 'add' || (action.mode === 'toggle' && !had)
    el.classList.toggle(name, add)
    return { kind: 'class', el, name, add, did: had !== add }
  })
}

/**
 * Before a morph replaces the element's attributes with `next`'s: make `next`
 * carry the change too, and take its values as the ones an undo restores
 * (the server's latest render, not the one from before the event).
 */
export function keepMark (change: MarkChange<Marked>, next: Marked): void {
  if (change.kind === 'class') {
    change.did = next.classList.contains(change.name) !== change.add
    next.classList.toggle(change.name, change.add)
  } else {
    change.previous = next.getAttribute(change.name)
    setAttr(next, change.name, change.next)
  }
}

/** Undo one change (changes are undone in reverse order of application). */
export function undoMark (change: MarkChange<Marked>): void {
  if (change.kind === 'class') {
    if (change.did) change.el.classList.toggle(change.name, !change.add)
  } else {
    setAttr(change.el, change.name, change.previous)
  }
}

function setAttr (el: Marked, name: string, value: string | null): void {
  if (value === null) el.removeAttribute(name)
  else el.setAttribute(name, value)
}
