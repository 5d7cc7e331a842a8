import t from 'tap'
import { buildDemo } from '../../examples/server.js'
import { launchBrowser, openChromiumPage } from '../helpers/browser.js'

// A 1×1 PNG: the preview must decode it from the file itself.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64')

const browser = await launchBrowser(t)
const app = await buildDemo({ logger: false })
t.teardown(() => app.close())
await app.listen({ host: '127.0.0.1', port: 0 })
const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`

t.test('avatar demo: the chosen image previews, uploads to 100%, and Save shows the stored avatar', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/avatar`)
  await page.waitForFunction(() => (window as any).live.uploads !== undefined)
  await page.setInputFiles('#avatar-file', { name: 'me.png', mimeType: 'image/png', buffer: PNG })
  await page.waitForFunction(() => {
    const img = document.querySelector<HTMLImageElement>('.avatar-entry img')
    return img !== null && img.complete && img.naturalWidth === 1
  })
  t.match(await page.getAttribute('.avatar-entry img', 'src'), /^blob:/, 'the preview is the file itself')
  await page.waitForFunction(() => document.querySelector('.avatar-progress')?.textContent === '100')
  await page.click('#avatar-save')
  await page.waitForSelector('#saved-avatar')
  const src = await page.getAttribute('#saved-avatar', 'src')
  const res = await fetch(url + src)
  t.same(Buffer.from(await res.arrayBuffer()), PNG, 'the stored avatar is the uploaded file')
  t.equal(await page.locator('.avatar-entry').count(), 0)
  await page.setInputFiles('#avatar-file', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('x') })
  await page.waitForSelector('.avatar-entry .error')
  t.equal(await page.textContent('.avatar-entry .error'), 'not accepted')
})
