import t from 'tap'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'
import { deferred } from '../helpers/deferred.js'
import { OptimisticView, record } from '../fixtures/optimistic-views.js'
import { atSend, installProbes, press, probe, snap } from '../helpers/ui-optimistic.js'

// An @optimistic handler's live-optimistic actions are applied in the event
// listener itself: the page already shows them when the frame leaves, within
// the same click, before any reply. A form control keeps the user's change.

const browser = await launchBrowser(t)
const { url } = await serve(t, [['/opt', OptimisticView]])

t.beforeEach(() => {
  record.calls = []
  record.gates = {}
})

interface Case { kind: string, id: string, before: object, after: object, params?: object }
const families: Record<string, Case[]> = {
  'class actions': [
    { kind: 'add-class', id: 'add', before: { classes: ['item'] }, after: { classes: ['done', 'item'] } },
    { kind: 'remove-class', id: 'remove', before: { classes: ['item', 'todo'] }, after: { classes: ['item'] } },
    { kind: 'toggle-class (on)', id: 'toggle-on', before: { classes: ['item'] }, after: { classes: ['active', 'item'] } },
    { kind: 'toggle-class (off)', id: 'toggle-off', before: { classes: ['active', 'item'] }, after: { classes: ['item'] } },
  ],
  'attribute actions': [
    // data-* params are read as the element was before the change
    { kind: 'set-attr (replacing a value)', id: 'set', before: { attrs: { 'data-state': 'idle' } }, after: { attrs: { 'data-state': 'saving' } }, params: { state: 'idle' } },
    { kind: 'set-attr (a new attribute)', id: 'set-new', before: { attrs: {} }, after: { attrs: { 'aria-pressed': 'true' } } },
    { kind: 'remove-attr', id: 'unset', before: { attrs: { title: 'hint' } }, after: { attrs: {} } },
  ],
  'text, hide and show': [
    { kind: 'text', id: 'text', before: { html: 'Save <b>now</b>' }, after: { html: 'Saved!' } },
    { kind: 'hide', id: 'hide', before: { hidden: false, attrs: {} }, after: { hidden: true, attrs: { hidden: '' } } },
    { kind: 'show', id: 'show', before: { hidden: true, attrs: { hidden: '' } }, after: { hidden: false, attrs: {} } },
  ],
  'several actions separated by ;': [{
    kind: 'add-class + set-attr + text',
    id: 'many',
    before: { classes: ['item'], attrs: {}, html: 'many' },
    after: { classes: ['item', 'one', 'two'], attrs: { 'aria-pressed': 'true' }, html: 'On' },
  }],
}

for (const [family, cases] of Object.entries(families)) {
  t.test(`${family} are applied in the event's own listener, before the event frame is sent`, async (t) => {
    const page = await openChromiumPage(t, browser, `${url}/opt`)
    await installProbes(page)
    let n = 0
    for (const { kind, id, before, after, params = {} } of cases) {
      const was = await snap(page, id)
      t.same(was, { ...was, ...before }, `${kind}: before the click`)
      await probe(page, id)
      await press(page, id)
      const seen = await atSend(page)
      t.same(seen.atSend, { ...seen.atSend, ...after }, `${kind}: when the frame left, the page already showed the change`)
      t.ok(seen.atEvent.sent, `${kind}: the frame left during the click's own dispatch`)
      t.same(seen.atEvent.snap, seen.atSend, `${kind}: the change was made within that dispatch`)
      // the reply renders the server's page again before the next case
      await page.waitForFunction((n) => document.getElementById('n')!.textContent === String(n), ++n)
      t.same(record.calls.at(-1), { handler: 'act', params }, `${kind}: the server received the event`)
    }
  })
}

t.test('a checkbox keeps the user\'s tick without waiting, through the loading patch', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/opt`)
  await installProbes(page)
  await probe(page, 'box')
  // Held at the server: the @loading patch (rendered while `agreed` is still false) arrives meanwhile.
  const held = deferred()
  record.gates = { agreed: held.promise }
  await page.click('#box')
  const seen = await atSend(page)
  t.equal(seen.atSend.checked, true, 'ticked when the frame left')
  t.ok(seen.atEvent.sent, 'sent within the click')
  await page.waitForFunction(() => document.getElementById('busy')!.textContent === 'true')
  t.equal((await snap(page, 'box')).checked, true, 'still ticked after a render that has no `checked`')
  t.same(record.calls, [{ handler: 'act', params: { field: 'agreed', value: true } }])
  held.resolve()
  await page.waitForFunction(() => document.getElementById('n')!.textContent === '1')
  t.equal((await snap(page, 'box')).checked, true, 'and ticked after the server agreed')
})

t.test('a text field and a select keep the user\'s values without waiting, through the loading patch', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/opt`)
  await installProbes(page)
  const name = deferred()
  const pick = deferred()
  record.gates = { name: name.promise, pick: pick.promise }

  await probe(page, 'name')
  await page.fill('#name', 'grace')
  await page.focus('#pick') // #name loses focus: its change event fires
  const typed = await atSend(page)
  t.equal(typed.atSend.value, 'grace', 'the typed value when the frame left')
  t.ok(typed.atEvent.sent, 'sent within the change event')
  await page.waitForFunction(() => document.getElementById('busy')!.textContent === 'true')
  t.equal(await page.inputValue('#name'), 'grace', 'kept through a render that still says value="ada"')
  name.resolve()
  await page.waitForFunction(() => document.getElementById('n')!.textContent === '1')
  t.equal(await page.inputValue('#name'), 'grace')

  await probe(page, 'pick')
  await page.selectOption('#pick', 'y')
  const picked = await atSend(page)
  t.equal(picked.atSend.value, 'y')
  t.ok(picked.atEvent.sent)
  await page.waitForFunction(() => document.getElementById('busy')!.textContent === 'true')
  t.equal(await page.inputValue('#pick'), 'y', 'kept through a render that still selects x')
  pick.resolve()
  await page.waitForFunction(() => document.getElementById('n')!.textContent === '2')
  t.equal(await page.inputValue('#pick'), 'y')
  t.same(record.calls.map((c) => c.params), [{ field: 'name', value: 'grace' }, { field: 'pick', value: 'y' }])
})
