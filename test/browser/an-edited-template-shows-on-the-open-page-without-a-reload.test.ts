import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { LiveView, eventHandler } from '../../lib/index.js'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'

class CounterView extends LiveView {
  static override template = 'counter.njk'
  count = 0
  @eventHandler()
  increment () { this.count += 1 }
}

const browser = await launchBrowser(t)

t.test('editing the template changes the open page in place: no reload, the count and the page kept', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'live-templates-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'counter.njk'), '<p>Count: <span id="count">{{ count }}</span></p>\n<button id="inc" live-click="increment">+</button>\n')
  const { url } = await serve(t, [['/counter', CounterView]], { templates: dir, watchTemplates: true })
  const page = await openChromiumPage(t, browser, `${url}/counter`)
  await page.click('#inc')
  await page.click('#inc')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '2')
  await page.evaluate(() => { (window as any).__marker = 'before the edit' })

  writeFileSync(join(dir, 'counter.njk'), '<h2 id="title">Edited</h2>\n<p>Total: <strong id="count">{{ count }}</strong></p>\n<button id="inc" live-click="increment">add one</button>\n')
  await page.waitForSelector('#title')
  t.equal(await page.textContent('strong#count'), '2', 'the new markup shows the count the view had')
  t.equal(await page.evaluate(() => (window as any).__marker), 'before the edit', 'the page was not reloaded')
  t.equal(await page.textContent('#inc'), 'add one')

  await page.click('#inc')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '3')
  t.pass('the edited page keeps working')
})
