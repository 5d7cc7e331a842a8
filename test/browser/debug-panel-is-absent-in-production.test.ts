import t, { type Test } from 'tap'
import { gunzipSync, gzipSync } from 'node:zlib'
import type { Browser } from 'playwright-core'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'
import { liveEvents } from '../helpers/recorder.js'
import { DebugPage } from '../fixtures/debug-views.js'

// With `debug: false`, or NODE_ENV=production and no `debug` option, nothing
// of the debug panel reaches the page: no data-live-debug, no data-live-view,
// no panel script, no panel element, no live:debug events. The main bundle
// does not carry the panel.

const browser = await launchBrowser(t)

/** A server built while NODE_ENV is `env` (production is decided at register). */
async function serveIn (t: Test, env: string | undefined, options: { debug?: boolean }) {
  const before = process.env.NODE_ENV
  if (env === undefined) delete process.env.NODE_ENV
  else process.env.NODE_ENV = env
  try {
    return await serve(t, [['/app', DebugPage]], { permissions: () => ['items.write'], ...options })
  } finally {
    if (before === undefined) delete process.env.NODE_ENV
    else process.env.NODE_ENV = before
  }
}

async function noPanel (t: Test, browser: Browser, url: string): Promise<void> {
  const html = await (await fetch(`${url}/app`)).text()
  t.notMatch(html, /data-live-debug/, 'the script tag names no panel')
  t.notMatch(html, /data-live-view/, 'the roots carry no view descriptions')
  t.notMatch(html, /live-debug/, 'nothing of the panel at all')

  const page = await openChromiumPage(t, browser, `${url}/app`)
  const requested: string[] = []
  page.on('request', (r) => requested.push(new URL(r.url()).pathname))
  // the page works as usual
  await page.click('#ping')
  await page.waitForFunction(() => document.getElementById('pings')!.textContent === '1')
  await page.reload()
  await page.waitForFunction(() => [...document.querySelectorAll('[data-live-root]')].every((r) => r.classList.contains('live-connected')))
  t.same(requested.filter((p) => p.includes('debug')), [], 'no panel script was requested, even after a reload')
  t.equal(await page.$('#live-debug'), null, 'no panel element')
  t.equal(await page.$$eval('[data-live-view], [data-live-debug]', (els) => els.length), 0)
  t.equal(await page.evaluate(() => (window as any).live.debug.on), false)
}

t.test('with `debug: false` the page carries nothing of the panel', async (t) => {
  const { url } = await serveIn(t, 'development', { debug: false })
  await noPanel(t, browser, url)
})

t.test('with NODE_ENV=production and no `debug` option the page carries nothing of the panel', async (t) => {
  const { url } = await serveIn(t, 'production', {})
  await noPanel(t, browser, url)
})

t.test('no live:debug event is dispatched without the panel', async (t) => {
  const { url } = await serveIn(t, 'production', {})
  const page = await openChromiumPage(t, browser, `${url}/app`)
  await page.click('#ping')
  await page.waitForFunction(() => document.getElementById('pings')!.textContent === '1')
  t.equal((await liveEvents(page, 'live:debug')).length, 0)
  t.same(await page.evaluate(() => (window as any).live.debug.log), [], 'and no frames are kept')
})

t.test('the main bundle stays small and does not carry the panel', async (t) => {
  const { url } = await serveIn(t, 'production', {})
  const html = await (await fetch(`${url}/app`)).text()
  const src = /<script type="module" src="([^"]+)"/.exec(html)![1]!
  const res = await fetch(`${url}${src}`, { headers: { 'accept-encoding': 'gzip' } })
  const body = Buffer.from(await res.arrayBuffer())
  // undici's fetch decodes gzip itself; measure the compressed size either way
  const code = res.headers.get('content-encoding') === 'gzip' && body[0] === 0x1f ? gunzipSync(body).toString() : body.toString()
  t.ok(gzipSync(code, { level: 9 }).length <= 14 * 1024, 'within 14 KiB min+gzip')
  for (const mark of ['no handlers', 'button.toggle', 'aria-expanded']) t.notOk(code.includes(mark), `no panel code (${mark})`)
})
