import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import live, { LiveView, eventHandler, type LiveOptions } from '../../lib/index.js'
import { openLive } from '../../lib/testing.js'
import { SECRET } from '../helpers/app.js'

class CounterView extends LiveView {
  static override template = 'counter.njk'
  count = 0
  @eventHandler()
  increment () { this.count += 1 }
}

const COUNTER = '<p>Count: <span id="count">{{ count }}</span></p>\n<button live-click="increment">+</button>\n'
const LAYOUT = '<!doctype html><html><body><main>{{ live.content }}</main>{{ live.scripts() }}</body></html>\n'

interface Logged { level: number, msg: string, err?: { message: string } }

/** A directory of templates the test may edit, removed afterwards. */
function templateDir (t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'live-templates-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'counter.njk'), COUNTER)
  writeFileSync(join(dir, 'layout.njk'), LAYOUT)
  return dir
}

/** An app over `dir` whose log lines the test can wait for. */
async function appOver (t: Test, dir: string, options: LiveOptions = {}): Promise<{ app: FastifyInstance, logged: Logged[], nextLog: (test: (l: Logged) => boolean) => Promise<Logged> }> {
  const logged: Logged[] = []
  const waiting = new Set<(l: Logged) => void>()
  const stream = new Writable({
    write (chunk, _enc, done) {
      const line = JSON.parse(String(chunk)) as Logged
      logged.push(line)
      for (const w of waiting) w(line)
      done()
    },
  })
  const app = Fastify({ logger: { level: 'warn', stream } })
  t.teardown(() => app.close())
  await app.register(live, { templates: dir, secret: SECRET, layout: 'layout.njk', ...options })
  app.live('/counter', CounterView)
  // The watcher does not keep the process alive (a running app's server does): listen, as a development server would.
  await app.listen({ port: 0, host: '127.0.0.1' })
  const nextLog = async (test: (l: Logged) => boolean): Promise<Logged> => await new Promise((resolve) => {
    const w = (l: Logged): void => { if (test(l)) { waiting.delete(w); resolve(l) } }
    waiting.add(w)
  })
  return { app, logged, nextLog }
}

t.test('an open page takes the edited template in place and keeps its count', async (t) => {
  const dir = templateDir(t)
  const { app } = await appOver(t, dir, { watchTemplates: true })
  const page = await openLive(app, '/counter')
  t.teardown(() => page.close())
  await page.event('increment')
  await page.event('increment')
  t.match(page.html(), /Count: <span id="count">2<\/span>/)
  const frames = page.frames.length

  const patched = page.next((f) => f.t === 'patch')
  writeFileSync(join(dir, 'counter.njk'), '<p>Total: <strong id="count">{{ count }}</strong></p>\n<button live-click="increment">add</button>\n')
  writeFileSync(join(dir, 'layout.njk'), LAYOUT.replace('<main>', '<main class="edited">'))
  await patched
  t.match(page.html(), /Total: <strong id="count">2<\/strong>/, 'the new markup, with the count it had')
  t.notMatch(page.html(), /Count:/)
  t.equal(page.frames.slice(frames).filter((f) => f.t === 'patch').length, 1, 'one patch for the burst of writes')

  await page.event('increment')
  t.match(page.html(), /Total: <strong id="count">3<\/strong>/, 'events render with the new template')

  const reloaded = await app.inject('/counter')
  t.match(reloaded.body, /<main class="edited">/, 'a layout edit shows at the next page load')
  t.match(reloaded.body, /Total: <strong id="count">0<\/strong>/)
})

t.test('a template that no longer compiles is reported once and the last good one stays', async (t) => {
  const dir = templateDir(t)
  const { app, logged, nextLog } = await appOver(t, dir, { watchTemplates: true })
  const page = await openLive(app, '/counter')
  t.teardown(() => page.close())
  await page.event('increment')

  const reported = nextLog((l) => l.level >= 50)
  writeFileSync(join(dir, 'counter.njk'), '<p>{% if %}broken</p>\n')
  const line = await reported
  t.match(line.msg, /an edited template does not compile; its last good version is kept/)
  t.match(line.err?.message, /the template "counter\.njk" of the running app does not compile/)
  await page.event('increment')
  t.match(page.html(), /Count: <span id="count">2<\/span>/, 'the page still works with the last good template')
  t.equal(logged.filter((l) => l.level >= 50).length, 1, 'reported once, not at every render')

  const patched = page.next((f) => f.t === 'patch')
  writeFileSync(join(dir, 'counter.njk'), '<p>Fixed: <span id="count">{{ count }}</span></p>\n')
  await patched
  t.match(page.html(), /Fixed: <span id="count">2<\/span>/, 'fixing it applies it')
})

t.test('no watcher without watchTemplates: an edit changes nothing until a restart', async (t) => {
  const dir = templateDir(t)
  const { app } = await appOver(t, dir, { watchTemplates: false, templates: [dir, join(dir, 'no-such-dir')] })
  const page = await openLive(app, '/counter')
  t.teardown(() => page.close())
  writeFileSync(join(dir, 'counter.njk'), '<p>Edited: {{ count }}</p>\n')
  // An event's reply is ordered after anything a watcher would have sent in between.
  await page.event('increment')
  t.match(page.html(), /Count: <span id="count">1<\/span>/, 'still the template compiled at start-up')
})

t.test('a template directory that does not exist is not watched, and the app starts', async (t) => {
  const dir = templateDir(t)
  const { app } = await appOver(t, dir, { watchTemplates: true, templates: [dir, join(dir, 'no-such-dir')] })
  const page = await openLive(app, '/counter')
  t.teardown(() => page.close())
  const patched = page.next((f) => f.t === 'patch')
  writeFileSync(join(dir, 'counter.njk'), '<p>Seen: <span id="count">{{ count }}</span></p>\n')
  await patched
  t.match(page.html(), /Seen: <span id="count">0<\/span>/)
})
