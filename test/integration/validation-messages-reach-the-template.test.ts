import t from 'tap'
import { LiveView, eventHandler } from '../../lib/index.js'
import { openLive } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'

let calls: Array<Record<string, unknown>> = []

class TaskForm extends LiveView {
  static override template = 'task-form.njk'
  tasks: string[] = []
  title = ''
  checked = 0

  @eventHandler({ params: { title: { type: 'string', minLength: 1 }, priority: { type: 'integer', minimum: 1, maximum: 3 } } })
  validate (params: { title: string }) {
    calls.push(params)
    this.checked += 1
  }

  @eventHandler({ params: [] })
  clear () { this.tasks = [] }

  @eventHandler({ params: ['title', 'priority'] })
  add (params: { title: string }) {
    this.tasks = [...this.tasks, params.title]
  }
}

t.beforeEach(() => { calls = [] })

t.test('params that fail their schema: the handler is not called, and the answering render shows a message per field', async (t) => {
  const app = await buildApp(t, [['/tasks', TaskForm]], { debug: true })
  const page = await openLive(app, '/tasks')
  t.teardown(() => page.close())
  const refused = await page.event('validate', { title: '', priority: '7', _target: 'title' }, { type: 'input' })
  t.match(refused, { t: 'error', code: 'invalid_params', handler: 'validate', message: /TaskForm\.validate\(\): param "title" must NOT have fewer than 1 characters/ })
  t.same(calls, [], 'the handler was not called')
  t.match(page.html(), /<span id="title-error">title must not be empty<\/span>/, 'live.errors.title')
  t.match(page.html(), /<span id="priority-error">priority must be at most 3<\/span>/, 'every field has its message')
  t.match(page.html(), /<p id="checked">0<\/p>/, 'the state is unchanged')
  const patch = page.frames.at(-2)!
  t.equal(patch.t, 'patch', 'the render went just before the error that answers the call')

  const again = await page.event('validate', { title: 'x', priority: 'high', _target: 'priority' }, { type: 'input' })
  t.equal(again.t, 'error')
  t.notMatch(page.html(), /title-error/, 'a field that is now valid loses its message')
  t.match(page.html(), /priority must be an integer/)

  const ok = await page.event('validate', { title: 'Milk', priority: '3', _target: 'title' }, { type: 'input' })
  t.equal(ok.t, 'reply', '_target is always allowed')
  t.same(calls, [{ title: 'Milk', priority: 3, _target: 'title' }])
  t.notMatch(page.html(), /-error/, 'a call that passes clears the messages')
  t.match(page.html(), /<p id="checked">1<\/p>/)
})

t.test('a form field the handler does not declare is refused with its name and the list, and shown', async (t) => {
  const app = await buildApp(t, [['/tasks', TaskForm]], { debug: true })
  const page = await openLive(app, '/tasks')
  t.teardown(() => page.close())
  const one = await page.event('add', { title: 'Milk', color: 'red' }, { type: 'submit' })
  t.match(one, { code: 'invalid_params', message: 'TaskForm.add(): has an undeclared param "color" (declared: title, priority); add it to @eventHandler({ params }), or remove the form field or data-* attribute of that name' })
  t.match(page.html(), /<ul id="tasks"><\/ul>/, 'nothing was added')
  const two = await page.event('add', { title: 'Milk', color: 'red', size: 'L' }, { type: 'submit' })
  t.match(two, { message: /has undeclared params "color", "size" \(declared: title, priority\); add them to/ })
  t.match(await page.event('clear', { title: 'Milk' }), { message: /has an undeclared param "title" \(declared: none\)/ })
  t.equal((await page.event('add', { title: 'Milk', priority: '1' }, { type: 'submit' })).t, 'reply')
  t.match(page.html(), /<li>Milk<\/li>/)
})

t.test('a render with messages is the view\'s own during a broadcast', async (t) => {
  class Listener extends TaskForm {
    override mount () { this.subscribe('tasks') }
    override handleInfo (_topic: string, message: unknown) { this.tasks = [...this.tasks, String(message)] }
  }
  const app = await buildApp(t, [['/tasks', Listener]])
  const a = await openLive(app, '/tasks')
  const b = await openLive(app, '/tasks')
  t.teardown(() => { a.close(); b.close() })
  await a.event('validate', { title: '' }, { type: 'input' })
  t.match(a.html(), /title must not be empty/)
  const [pa, pb] = [a.next((f) => f.t === 'patch'), b.next((f) => f.t === 'patch')]
  await app.live.publish('tasks', 'Bread')
  await Promise.all([pa, pb])
  t.match(a.html(), /<li>Bread<\/li>[\s\S]*title must not be empty/, 'the view with messages keeps them')
  t.notMatch(b.html(), /title must not be empty/, 'the other shows none')
})

t.test('a view that embeds others shows its messages too (its render waits for its embeds)', async (t) => {
  class Child extends LiveView {
    static override template = 'child.njk'
    label = ''
    count = 0
  }
  class Outer extends LiveView {
    static override template = 'task-form-embeds.njk'
    static override embeds = { Child }
    @eventHandler({ params: { n: { type: 'integer' } } })
    set () {}
  }
  const app = await buildApp(t, [['/outer', Outer]])
  const page = await openLive(app, '/outer')
  t.teardown(() => page.close())
  t.match(await page.event('set', { n: 'x' }), { code: 'invalid_params' })
  t.match(page.html(), /<p id="err">n must be an integer<\/p>/)
  t.equal((await page.event('set', { n: '1' })).t, 'reply')
  t.match(page.html(), /<p id="err"><\/p>/)
})
