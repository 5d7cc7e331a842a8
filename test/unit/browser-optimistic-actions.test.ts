import t from 'tap'
import { type Marked, type MarkChange, applyMark, keepMark, parseActions, undoMark } from '../../browser/optimistic-actions.js'

// browser/optimistic-actions.ts: the live-optimistic language, and an undo
// record that restores exactly what the actions changed.

/** The classes and attributes of an element, the part of it the record touches. */
class Box implements Marked {
  classes = new Set<string>()
  attrs = new Map<string, string>()
  constructor (classes: string[] = [], attrs: Record<string, string> = {}) {
    for (const c of classes) this.classes.add(c)
    for (const [k, v] of Object.entries(attrs)) this.attrs.set(k, v)
  }

  classList = {
    contains: (name: string) => this.classes.has(name),
    toggle: (name: string, force?: boolean) => {
      const on = force ?? !this.classes.has(name)
      if (on) this.classes.add(name)
      else this.classes.delete(name)
      return on
    },
  }

  getAttribute (name: string): string | null { return this.attrs.get(name) ?? null }
  setAttribute (name: string, value: string): void { this.attrs.set(name, value) }
  removeAttribute (name: string): void { this.attrs.delete(name) }
  get state () { return { classes: [...this.classes].sort(), attrs: Object.fromEntries([...this.attrs].sort()) } }
}

/** Apply every class/attribute action of `spec` to `el`, as the bundle does; the changes in order. */
function apply (el: Box, spec: string): Array<MarkChange<Box>> {
  const out: Array<MarkChange<Box>> = []
  for (const a of parseActions(spec).actions) if (a.kind !== 'text') out.push(...applyMark(el, a))
  return out
}
const undo = (changes: Array<MarkChange<Box>>) => { for (const c of [...changes].reverse()) undoMark(c) }

t.test('the parser reads every documented action', async (t) => {
  t.same(parseActions('add-class: a  b; remove-class:c; toggle-class:d'), {
    actions: [
      { kind: 'class', names: ['a', 'b'], mode: 'add' },
      { kind: 'class', names: ['c'], mode: 'remove' },
      { kind: 'class', names: ['d'], mode: 'toggle' },
    ],
    unknown: [],
  })
  t.same(parseActions('set-attr:aria-pressed=true; set-attr:title="a = b"; set-attr:data-x=\'q\'; set-attr:open; remove-attr:href').actions, [
    { kind: 'attr', name: 'aria-pressed', value: 'true' },
    { kind: 'attr', name: 'title', value: 'a = b' },
    { kind: 'attr', name: 'data-x', value: 'q' },
    { kind: 'attr', name: 'open', value: '' },
    { kind: 'attr', name: 'href', value: null },
  ], 'values split at the first "=", quotes removed; no value sets it empty')
  t.same(parseActions('hide; show; text: Saving: 50% ').actions, [
    { kind: 'attr', name: 'hidden', value: '' },
    { kind: 'attr', name: 'hidden', value: null },
    { kind: 'text', text: 'Saving: 50%' },
  ], 'hide/show are the hidden attribute; text keeps its own colons')
})

t.test('the parser names the ops it does not know, and skips empty parts', async (t) => {
  t.same(parseActions('add-clas:x; ; hide; fade-out:slow; text'), {
    actions: [{ kind: 'attr', name: 'hidden', value: '' }, { kind: 'text', text: '' }],
    unknown: ['add-clas', 'fade-out'],
  })
  t.same(parseActions(''), { actions: [], unknown: [] })
  t.same(parseActions('set-attr:=x; remove-attr:; add-class:').actions, [{ kind: 'class', names: [], mode: 'add' }], 'an attribute action without a name does nothing')
})

t.test('an undo restores exactly the element from before', async (t) => {
  const el = new Box(['done', 'keep'], { 'aria-pressed': 'false', href: '/x' })
  const before = el.state
  const changes = apply(el, 'add-class:done busy; remove-class:keep gone; toggle-class:done; set-attr:aria-pressed=true; remove-attr:href; set-attr:aria-pressed=mixed; hide')
  t.same(el.state, { classes: ['busy'], attrs: { 'aria-pressed': 'mixed', hidden: '' } }, 'applied in order, each action seeing the ones before it')
  t.same(changes.filter((c) => c.kind === 'class').map((c) => [c.name, c.add, (c as { did: boolean }).did]), [
    ['done', true, false], ['busy', true, true], ['keep', false, true], ['gone', false, false], ['done', false, true],
  ], 'a class already there (or already absent) is recorded as nothing to undo')
  undo(changes)
  t.same(el.state, before, 'undone in reverse, the element is as it was')
})

t.test('a morph while in flight: the new render keeps the change, and is what an undo returns to', async (t) => {
  const el = new Box(['old'], { title: 'v1' })
  const changes = apply(el, 'add-class:busy; remove-class:old; set-attr:title=saving; remove-attr:data-n')
  const next = new Box(['old', 'fresh'], { title: 'v2', 'data-n': '2' })
  for (const c of changes) keepMark(c, next)
  t.same(next.state, { classes: ['busy', 'fresh'], attrs: { title: 'saving' } }, 'the incoming render carries the change')
  // the morph made `el` look like `next`
  el.classes = new Set(next.classes)
  el.attrs = new Map(next.attrs)
  undo(changes)
  t.same(el.state, { classes: ['fresh', 'old'], attrs: { title: 'v2', 'data-n': '2' } }, 'the undo returns to the server\'s latest render')
})

t.test('two events in flight on one element undo only their own changes', async (t) => {
  const el = new Box([], {})
  const first = apply(el, 'add-class:a; set-attr:data-a=1')
  const second = apply(el, 'add-class:b; add-class:a')
  undo(first)
  t.same(el.state, { classes: ['b'], attrs: {} }, 'the first failed: its class and attribute go, the second\'s class stays')
  undo(second)
  t.same(el.state, { classes: [], attrs: {} }, '"a" was already there for the second: nothing of it to undo twice')
})
