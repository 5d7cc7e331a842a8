import t from 'tap'
import { randomBytes } from 'node:crypto'
import type { Page } from 'playwright-core'
import { LiveView, eventHandler } from '../../lib/index.js'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'
import { AvatarView, settledTempFiles, sha256, tempFiles } from '../helpers/uploads.js'

const browser = await launchBrowser(t)
const { app, url } = await serve(t, [['/avatar', AvatarView]])

async function open (t: Tap.Test): Promise<Page> {
  const page = await openChromiumPage(t, browser, `${url}/avatar`)
  // the uploads bundle loads once the page shows an upload input
  await page.waitForFunction(() => (window as any).live.uploads !== undefined)
  return page
}

const png = (name: string, size: number) => ({ name, mimeType: 'image/png', buffer: randomBytes(size) })
const entries = (page: Page) => page.$$eval('.entry', (els) => els.map((e) => ({
  name: e.getAttribute('data-name'),
  progress: e.querySelector('.progress')!.textContent,
  errors: [...e.querySelectorAll('.err')].map((b) => b.textContent),
  done: e.classList.contains('done'),
})))

t.test('a chosen image shows a preview at once, uploads to 100%, and the handler consumes its exact bytes', async (t) => {
  const page = await open(t)
  const file = png('me.png', 400_000)
  await page.setInputFiles('#file', file)
  await page.waitForSelector('.entry.done')
  t.same(await entries(page), [{ name: 'me.png', progress: '100', errors: [], done: true }])
  const src = await page.getAttribute('.entry img.preview', 'src')
  t.match(src, /^blob:/, 'the preview is an object URL of the file (no round trip)')
  t.equal(await page.evaluate(async (src) => (await (await fetch(src!)).arrayBuffer()).byteLength, src), 400_000, 'of the chosen file')
  await page.click('#save')
  await page.waitForSelector('.saved')
  t.equal(await page.textContent('.saved'), `me.png|image/png|${file.buffer.length}|${sha256(file.buffer)}`)
  t.equal(await page.$$eval('.entry', (els) => els.length), 0)
  t.same(await tempFiles(app), [], 'no temporary file is left')
})

t.test('two files upload at once and both arrive whole', async (t) => {
  const page = await open(t)
  const a = png('a.png', 300_000)
  const b = { name: 'b.jpg', mimeType: 'image/jpeg', buffer: randomBytes(200_000) }
  await page.setInputFiles('#file', [a, b])
  await page.waitForFunction(() => document.querySelectorAll('.entry.done').length === 2)
  await page.click('#save')
  await page.waitForFunction(() => document.querySelectorAll('.saved').length === 2)
  t.same(await page.$$eval('.saved', (els) => els.map((e) => e.textContent)), [
    `a.png|image/png|300000|${sha256(a.buffer)}`,
    `b.jpg|image/jpeg|200000|${sha256(b.buffer)}`,
  ])
  t.same(await tempFiles(app), [])
})

t.test('the three validation errors show, and a drop after too_many_files still uploads', async (t) => {
  const page = await open(t)
  await page.setInputFiles('#file', [
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') },
    png('huge.png', 1_200_000),
  ])
  await page.waitForFunction(() => document.querySelectorAll('.entry .err').length === 2)
  t.same(await entries(page), [
    { name: 'notes.txt', progress: '0', errors: ['not_accepted'], done: false },
    { name: 'huge.png', progress: '0', errors: ['too_large'], done: false },
  ])
  await page.setInputFiles('#file', [png('1.png', 10), png('2.png', 10), png('3.png', 10)])
  await page.waitForSelector('#errors .err')
  t.equal(await page.textContent('#errors'), 'too_many_files')
  t.equal(await page.$$eval('.entry', (els) => els.length), 0, 'none of the three was taken')
  // a synthetic drop, as a user dragging a file onto the target
  await page.evaluate(() => {
    const data = new DataTransfer()
    data.items.add(new File([new Uint8Array([1, 2, 3])], 'dropped.webp', { type: 'image/webp' }))
    document.querySelector('#drop')!.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: data }))
  })
  await page.waitForSelector('.entry.done')
  t.same(await entries(page), [{ name: 'dropped.webp', progress: '100', errors: [], done: true }])
  t.equal(await page.textContent('#errors'), '', 'the error is gone')
  await page.click('#save')
  await page.waitForSelector('.saved')
  t.equal(await page.textContent('.saved'), `dropped.webp|image/webp|3|${sha256(Buffer.from([1, 2, 3]))}`)
})

t.test('a cancel mid-upload stops the transfer and leaves no file', async (t) => {
  const page = await open(t)
  // a slow uplink, so the upload is still going when the user cancels
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 100_000 })
  await page.setInputFiles('#file', png('slow.png', 900_000))
  await page.waitForFunction(() => {
    const p = document.querySelector('.entry .progress')?.textContent
    return p !== undefined && p !== '0'
  })
  t.equal(await page.$$eval('.entry.done', (els) => els.length), 0, 'mid-upload')
  await page.click('.entry .cancel')
  await page.waitForFunction(() => document.querySelectorAll('.entry').length === 0)
  t.same(await settledTempFiles(app), [], 'the partial file is removed')
})

class LaterView extends LiveView {
  static override template = 'uploads-later.njk'
  static override uploads = { photo: {} }
  shown = false
  @eventHandler() reveal () { this.shown = true }
}

t.test('an upload input that a render adds works too (the uploads bundle loads then)', async (t) => {
  const { url: laterUrl } = await serve(t, [['/later', LaterView]])
  const page = await openChromiumPage(t, browser, `${laterUrl}/later`)
  t.equal(await page.evaluate(() => (window as any).live.uploads), undefined, 'a page without uploads does not load the bundle')
  await page.click('#show')
  await page.waitForFunction(() => (window as any).live.uploads !== undefined)
  await page.setInputFiles('#file', { name: 'late.bin', mimeType: 'application/octet-stream', buffer: Buffer.from('late') })
  await page.waitForSelector('.entry.done')
  t.equal(await page.textContent('.entry'), 'late.bin 100')
})
