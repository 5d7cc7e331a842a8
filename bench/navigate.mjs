// Click to painted: a live navigation (`live-navigate`: one frame each way
// over the open socket, the view swapped in place) against a full page load
// of the same page (HTTP request, parse, the bundle's module from cache, a
// new WebSocket and join), in Chromium on loopback. Median of repeated runs.
//
// - live-navigate: from the click (a capturing listener on window, before
//   the bundle's) to the first animation frame after `live:navigate-end`,
//   the frame that paints the new view.
// - page load: from the click (its time kept in sessionStorage) to the new
//   document's first-contentful-paint, and to its view being joined.
//
//   npm run bench:navigate        (ROWS=200 RUNS=31 by default)
import Fastify from 'fastify'
import { fileURLToPath } from 'node:url'
import { launchChromium, medianP90 } from './browser/chromium.mjs'
import live, { LiveView } from '../dist/index.js'

const ROWS = Number(process.env.ROWS ?? 200)
const RUNS = Number(process.env.RUNS ?? 31)

function makeView (name, other) {
  return class PageView extends LiveView {
    static template = 'nav-page.njk'
    name = name
    other = other
    pageTitle = name
    rows = Array.from({ length: ROWS }, (_, i) => ({ id: i + 1, name: `${name} row ${i + 1}`, price: (i * 1.37).toFixed(2) }))
  }
}

export async function measureNavigate () {
  const app = Fastify()
  await app.register(live, { templates: fileURLToPath(new URL('./browser/', import.meta.url)), secret: 'b'.repeat(32), debug: false, rateLimit: { burst: 10_000, perSecond: 10_000 } })
  app.live('/a', makeView('a', 'b'))
  app.live('/b', makeView('b', 'a'))
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${app.server.address().port}`
  const browser = await launchChromium()
  const navigated = []
  const loadPaint = []
  const loadJoined = []
  try {
    const page = await browser.newPage()
    await page.addInitScript(() => {
      addEventListener('click', () => {
        window.__clicked = performance.now()
        sessionStorage.setItem('clickedAt', String(performance.timeOrigin + performance.now()))
      }, true)
      document.addEventListener('live:connected', () => { window.__joinedAt ??= performance.now() })
    })
    await page.goto(base + '/a')
    await page.waitForSelector('[data-live-root].live-connected')
    // warm-up: the bundle in the HTTP cache, both templates compiled, the socket's first frames
    for (let run = 0; run < 3; run++) await navigateOnce(page)
    for (let run = 0; run < RUNS; run++) navigated.push(await navigateOnce(page))
    for (let run = 0; run < 3 + RUNS; run++) {
      const [paint, joined] = await loadOnce(page)
      if (run >= 3) {
        loadPaint.push(paint)
        loadJoined.push(joined)
      }
    }
  } finally {
    await browser.close()
    await app.close()
  }
  return [
    { case: 'live-navigate: click → painted', ...stats(navigated) },
    { case: 'page load: click → first contentful paint', ...stats(loadPaint) },
    { case: 'page load: click → view joined', ...stats(loadJoined) },
  ]
}

async function navigateOnce (page) {
  return await page.evaluate(async () => {
    const painted = new Promise((resolve) => document.addEventListener('live:navigate-end', () => requestAnimationFrame(() => resolve(performance.now() - window.__clicked)), { once: true }))
    document.querySelector('#go-live').click()
    return await painted
  })
}

async function loadOnce (page) {
  const from = await page.evaluate(() => document.querySelector('h1').textContent)
  await Promise.all([page.waitForURL((u) => !u.pathname.endsWith(from)), page.click('#go-load')])
  await page.waitForSelector('[data-live-root].live-connected')
  return await page.evaluate(async () => {
    const clicked = Number(sessionStorage.getItem('clickedAt'))
    const fcp = await new Promise((resolve) => {
      const entry = performance.getEntriesByName('first-contentful-paint')[0]
      if (entry) return resolve(entry.startTime)
      new PerformanceObserver((list) => resolve(list.getEntries()[0].startTime)).observe({ type: 'paint', buffered: true })
    })
    const joined = window.__joinedAt
    return [performance.timeOrigin + fcp - clicked, performance.timeOrigin + joined - clicked]
  })
}

function stats (times) {
  return { runs: times.length, ...medianP90(times, 1) }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const results = await measureNavigate()
  console.log(`\n### Browser: click to painted, live-navigate vs a page load (Chromium, ${ROWS}-row page)\n`)
  console.log('| case | runs | median ms | p90 ms |\n| --- | ---: | ---: | ---: |')
  for (const r of results) console.log(`| ${r.case} | ${r.runs} | ${r.medianMs} | ${r.p90Ms} |`)
}
