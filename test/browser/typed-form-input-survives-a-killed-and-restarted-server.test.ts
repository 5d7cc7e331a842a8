import t from 'tap'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'
import { launchBrowser, openChromiumPage, waitConnected } from '../helpers/browser.js'
import { forgetRecorded, liveEvents, socketsOpenedAt, waitLiveEvents, wire, type Frame } from '../helpers/recorder.js'

// The app runs in a process of its own (test/fixtures/recover-server.ts),
// killed with SIGKILL: nothing is parked, so the restarted process mounts
// the view again from the page's token (a fixed secret keeps it valid), and
// form recovery brings back what the page's forms held.

const SECRET = 'recover-kill-secret-0123456789abcdef'
const browser = await launchBrowser(t)

interface Tap { teardown (fn: () => unknown): void }
interface Server { url: string, port: number, kill (): Promise<void> }

/** Start the fixture server named `name` on `port` (0: a free one); killed with the test. */
async function start (t: Tap, name: string, port = 0): Promise<Server> {
  const script = fileURLToPath(new URL('../fixtures/recover-server.ts', import.meta.url))
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, LIVE_SECRET: SECRET, PORT: String(port), SERVER_NAME: name },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  }
  t.teardown(kill)
  const ready = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^READY (\d+)$/.exec(line)
      if (m !== null) resolve(Number(m[1]))
    })
    void exited.then(() => reject(new Error(`the recover server exited (${child.exitCode ?? child.signalCode}) before it was ready`)))
  })
  return { url: `http://127.0.0.1:${ready}`, port: ready, kill }
}

const text = (page: Page, sel: string): Promise<string | null> => page.textContent(sel)
const sent = async (page: Page, t: string): Promise<Frame[]> => (await wire(page)).filter((w) => w.dir === 'out' && w.frame.t === t).map((w) => w.frame)

/** Kill the server under the open page and wait until the page knows. */
async function killUnder (page: Page, server: Server): Promise<void> {
  await server.kill()
  await waitLiveEvents(page, 'live:disconnected')
}

t.test('every kind of control keeps its typed-but-unsent value across a SIGKILL and restart; the handlers saw recovering', async (t) => {
  const one = await start(t, 'one')
  const page = await openChromiumPage(t, browser, `${one.url}/recover`)
  // typed and never sent: the form's live-change fires on change, and the field keeps the focus
  await page.fill('#name', 'Ada')
  await killUnder(page, one)
  // more typed while the server is down: these changes find no session and are dropped
  await page.fill('#email', 'ada@example.com')
  await page.fill('#age', '36')
  await page.fill('#bio', 'Counts.\nWrites notes.')
  await page.selectOption('#size', 'm')
  await page.selectOption('#tags', ['a', 'c'])
  await page.check('#plan-pro')
  await page.check('#color-red')
  await page.check('#color-blue')
  await page.check('#agree')
  await page.setInputFiles('#avatar', { name: 'ada.txt', mimeType: 'text/plain', buffer: Buffer.from('not sent') })
  await page.fill('#nickname', 'countess')
  await page.fill('#note', 'remember the engine')
  await page.fill('#q', 'ignored search')
  await page.fill('#theme', 'dark')
  await page.fill('#noid', 'a form without an id')
  await page.focus('#name')
  t.same(await sent(page, 'event'), [], 'nothing was sent')
  await forgetRecorded(page)
  await page.evaluate(() => {
    const rec = (window as any).__live
    rec.onSend = (f: { t: string }) => { if (f.t === 'recover') rec.serverAtRecover = document.querySelector('#server')!.textContent }
  })

  await start(t, 'two', one.port)
  await waitLiveEvents(page, 'live:connected')
  await waitConnected(page)
  t.equal(await text(page, '#server'), 'two', 'the restarted process renders the page')
  t.equal(await page.evaluate(() => (window as any).__live.serverAtRecover), 'one', "the recovery left before the join's render was shown")

  const frames = await wire(page)
  t.match(frames.find((w) => w.dir === 'in' && w.frame.t === 'reply')?.frame, { fresh: true }, 'the join mounted the view anew')
  const recovers = await sent(page, 'recover')
  t.equal(recovers.length, 1, 'one recover frame for the root')
  t.same(recovers[0]!.forms, [
    {
      h: 'validate',
      p: { name: 'Ada', email: 'ada@example.com', age: '36', bio: 'Counts.\nWrites notes.', size: 'm', tags: ['a', 'c'], plan: 'pro', colors: ['red', 'blue'], agree: true, nickname: 'countess', _target: 'name' },
    },
    { h: 'noteChanged', p: { note: 'remember the engine', _target: 'note' } },
    { h: 'restorePrefs', p: { theme: 'dark', _target: 'theme' } },
  ], 'the fields of each form as its live-change sends them: no file, not the ignored form, not the form without an id')

  t.equal(await text(page, '#recovering'), 'true', 'the handler saw event.recovering')
  t.equal(await text(page, '#mounts'), '1', 'the new process mounted the view once')
  t.equal(await text(page, '#searches'), '0', 'the live-recover="ignore" form was not sent')
  const calls = JSON.parse((await text(page, '#calls'))!) as Array<{ h: string, recovering: boolean }>
  t.same(calls.map((c) => [c.h, c.recovering]), [['validate', true], ['noteChanged', true], ['restorePrefs', true]])

  // what the page shows is the new render, which holds the recovered values
  for (const [sel, value] of [['#name', 'Ada'], ['#email', 'ada@example.com'], ['#age', '36'], ['#bio', 'Counts.\nWrites notes.'], ['#size', 'm'], ['#nickname', 'countess'], ['#note', 'remember the engine'], ['#theme', 'dark']]) {
    t.equal(await page.inputValue(sel!), value, `${sel} kept its value`)
  }
  t.same(await page.$eval('#tags', (el) => [...(el as HTMLSelectElement).selectedOptions].map((o) => o.value)), ['a', 'c'])
  for (const sel of ['#plan-pro', '#color-red', '#color-blue', '#agree']) t.equal(await page.isChecked(sel), true, `${sel} still checked`)
  for (const sel of ['#plan-free', '#color-green']) t.equal(await page.isChecked(sel), false, `${sel} still unchecked`)
  t.equal((await liveEvents(page, 'live:error')).length, 0)

  await page.click('#inc')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '1')
  t.pass('events reach the restarted process')
})

t.test('a recovery handler that throws: one live:error, the page stays joined and never reconnects for it', async (t) => {
  const one = await start(t, 'one')
  const page = await openChromiumPage(t, browser, `${one.url}/recover-throw`)
  await page.fill('#text', 'half a draft')
  await killUnder(page, one)
  await start(t, 'two', one.port)
  await waitLiveEvents(page, 'live:error')
  await waitConnected(page)
  t.equal(await text(page, '#server'), 'two')
  const [error, ...more] = await liveEvents(page, 'live:error')
  t.match(error!.detail, { code: 'handler_error', handler: 'draft', message: /draft\(\) threw while recovering a form: drafts are not recovered/ })
  t.same(more, [])

  // a click's answer comes after anything the recovery could still have caused
  await page.click('#inc')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '1')
  t.equal((await liveEvents(page, 'live:error')).length, 1, 'still one error')
  const connected = await liveEvents(page, 'live:connected')
  t.equal(connected.length, 2, 'joined twice: on load and after the restart')
  const opened = await socketsOpenedAt(page)
  t.ok(opened.every((at) => at < connected[1]!.mono), `no socket opened after the rejoin (${opened.length} in all, with the refused ones while the server was down)`)
  t.equal((await liveEvents(page, 'live:disconnected')).length, 1, 'and none closed')
  t.equal((await sent(page, 'recover')).length, 1, 'recovered once')
})
