import t from 'tap'
import { LiveView, eventHandler } from '../../lib/index.js'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'
import { wire } from '../helpers/recorder.js'

class TaskForm extends LiveView {
  static override template = 'task-form.njk'
  tasks: string[] = []
  title = ''
  priority = 1
  checked = 0

  @eventHandler({ params: { title: { type: 'string', minLength: 1 }, priority: { type: 'integer', minimum: 1 } } })
  validate (params: { priority: number }) {
    this.checked += 1
    this.priority = params.priority
  }

  @eventHandler({ params: { title: { type: 'string', minLength: 1 }, priority: { type: 'integer' } } })
  add (params: { title: string, priority: number }) {
    this.tasks = [...this.tasks, `${params.title} (${params.priority})`]
  }
}

const browser = await launchBrowser(t)

t.test('the add-task form shows "title must not be empty" with no code of its own, then clears it', async (t) => {
  const { url } = await serve(t, [['/tasks', TaskForm]])
  const page = await openChromiumPage(t, browser, `${url}/tasks`)
  await page.fill('#title', 'M')
  await page.waitForFunction(() => document.querySelector('#checked')!.textContent === '1')
  const sent = (await wire(page)).filter((w) => w.dir === 'out' && w.frame.t === 'event').map((w) => [w.frame.type, w.frame.p])
  t.same(sent, [['input', { title: 'M', priority: '1', _target: 'title' }]], 'live-input on the form sends every named field and the control that changed')

  await page.fill('#title', '')
  await page.waitForSelector('#title-error')
  t.equal(await page.textContent('#title-error'), 'title must not be empty')
  t.equal(await page.textContent('#checked'), '1', 'the handler was not called')

  await page.fill('#title', 'Milk')
  await page.waitForFunction(() => document.querySelector('#title-error') === null)
  t.equal(await page.textContent('#checked'), '2')
  t.equal(await page.inputValue('#title'), 'Milk', 'what the user typed stays')

  await page.selectOption('#priority', '3')
  // a select fires input, then change: both are bound on the form
  await page.waitForFunction(() => document.querySelector('#checked')!.textContent === '4')
  const last = (await wire(page)).filter((w) => w.dir === 'out' && w.frame.t === 'event').slice(-2).map((w) => [w.frame.type, w.frame.p])
  t.same(last, [
    ['input', { title: 'Milk', priority: '3', _target: 'priority' }],
    ['change', { title: 'Milk', priority: '3', _target: 'priority' }],
  ], 'live-change on the form: the same, from a select')

  await page.fill('#title', '')
  await page.waitForSelector('#title-error')
  await page.click('#save')
  await page.waitForFunction(() => (window as any).__live.events.some((e: any) => e.name === 'live:error' && e.detail.handler === 'add'))
  t.equal(await page.textContent('#tasks'), '', 'an empty title is not added')
  t.equal(await page.textContent('#title-error'), 'title must not be empty', 'and the submit shows why')

  await page.fill('#title', 'Bread')
  await page.click('#save')
  await page.waitForFunction(() => document.querySelector('#tasks')!.textContent === 'Bread (3)')
  t.equal(await page.$('#title-error'), null)
})
