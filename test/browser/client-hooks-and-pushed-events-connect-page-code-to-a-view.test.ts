import t from 'tap'
import { LiveView, eventHandler } from '../../lib/index.js'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'

class ChartView extends LiveView {
  static override template = 'hooks-chart.njk'
  points: number[] = [3]
  last = 'none'
  shown = true
  late = false

  @eventHandler({ params: { width: { type: 'integer' } } })
  ready (params: { width: number }) { this.last = `ready ${params.width}` }

  @eventHandler()
  add () {
    this.points = [...this.points, this.points.length * 2]
    this.pushEvent('points', { count: this.points.length })
  }

  @eventHandler()
  note () { this.last = 'noted' }

  @eventHandler()
  toggle () { this.shown = !this.shown }

  @eventHandler()
  showLate () { this.late = true }

  @eventHandler()
  later () {
    // From a timer, with nothing to render: the event goes in a frame of its own.
    setTimeout(() => this.pushEvent('ping', { n: 1 }), 1)
  }
}

class DupView extends LiveView {
  static override template = 'hooks-dup.njk'
  n = 0

  @eventHandler()
  bump () {
    this.n += 1
    this.pushEvent('bumped', { n: this.n })
  }
}

/** Runs in the page before the bundle: a hook that draws into its canvas and counts its callbacks. */
function defineHooks (): void {
  const w = window as any
  w.__hook = []
  w.__pushed = []
  w.liveHooks = {
    Chart: {
      mounted (ctx: any) {
        w.__hook.push(['mounted', ctx.el.dataset.points])
        this.draw(ctx.el)
        ctx.pushEvent('ready', { width: ctx.el.width })
      },
      updated (ctx: any) {
        w.__hook.push(['updated', ctx.el.dataset.points])
        this.draw(ctx.el)
      },
      destroyed (ctx: any) { w.__hook.push(['destroyed', ctx.el.isConnected]) },
      draw (el: HTMLCanvasElement) {
        const points = el.dataset.points!.split(',').map(Number)
        const g = el.getContext('2d')!
        g.clearRect(0, 0, el.width, el.height)
        points.forEach((p, k) => g.fillRect(k * 10, 0, 8, p + 1))
        this.drawn = points.length
        el.setAttribute('data-drawn', String(points.length))
      },
    },
  }
  document.addEventListener('live:points', (e) => {
    // what the page shows when the event arrives: the patch is applied first
    w.__pushed.push({ detail: (e as CustomEvent).detail, count: document.querySelector('#count')!.textContent, root: (e.target as Element).hasAttribute('data-live-root') })
  })
  document.addEventListener('live:ping', (e) => w.__pushed.push({ detail: (e as CustomEvent).detail }))
}

const browser = await launchBrowser(t)

t.test('a hook is mounted on the first page, updated when patched, destroyed when gone, and its pushEvent reaches the handler', async (t) => {
  const { url } = await serve(t, [['/chart', ChartView]])
  const page = await openChromiumPage(t, browser, `${url}/chart`, defineHooks)
  const hookLog = async (): Promise<unknown[]> => await page.evaluate(() => (window as any).__hook)
  await page.waitForFunction(() => document.querySelector('#last')!.textContent === 'ready 120')
  t.same(await hookLog(), [['mounted', '3']], 'mounted once, with the element')
  t.equal(await page.getAttribute('#chart', 'data-drawn'), '1', 'it drew into its canvas')

  await page.click('#note')
  await page.waitForFunction(() => document.querySelector('#last')!.textContent === 'noted')
  t.same(await hookLog(), [['mounted', '3']], 'a patch that leaves the hooked element alone does not update it')

  await page.click('#add')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '2')
  t.same(await hookLog(), [['mounted', '3'], ['updated', '3,2']], 'a patch that changes it: updated, after the morph')
  t.equal(await page.getAttribute('#chart', 'data-drawn'), '2', 'and it drew again')

  await page.click('#toggle')
  await page.waitForFunction(() => document.querySelector('#chart') === null)
  t.same((await hookLog()).at(-1), ['destroyed', false], 'destroyed once the element left')

  await page.click('#toggle')
  await page.waitForFunction(() => (window as any).__hook.length === 4)
  t.same((await hookLog()).at(-1), ['mounted', '3,2'], 'an element that appears after a morph is mounted')
  await page.waitForFunction(() => document.querySelector('#last')!.textContent === 'ready 120')
})

t.test('hooks registered in window.live.hooks after the bundle loaded are found too', async (t) => {
  const { url } = await serve(t, [['/chart', ChartView]])
  const page = await openChromiumPage(t, browser, `${url}/chart`, defineHooks)
  await page.evaluate(() => {
    (window as any).live.hooks.Late = { mounted (ctx: any) { ctx.el.textContent = 'mounted late' } }
  })
  await page.click('#show-late')
  await page.waitForFunction(() => document.querySelector('#late')?.textContent === 'mounted late')
  t.pass('window.live.hooks.Late ran')
})

t.test('a server pushEvent reaches a page listener on the root, with its payload, after the render of its handler', async (t) => {
  const { url } = await serve(t, [['/chart', ChartView]])
  const page = await openChromiumPage(t, browser, `${url}/chart`, defineHooks)
  await page.click('#add')
  await page.click('#add')
  await page.waitForFunction(() => (window as any).__pushed.length === 2)
  t.same(await page.evaluate(() => (window as any).__pushed), [
    { detail: { count: 2 }, count: '2', root: true },
    { detail: { count: 3 }, count: '3', root: true },
  ], 'in order, each after the patch that came with it')

  await page.click('#later')
  await page.waitForFunction(() => (window as any).__pushed.length === 3)
  t.same((await page.evaluate(() => (window as any).__pushed))[2], { detail: { n: 1 } }, 'an event pushed from a timer arrives on its own')
  const frames = await page.evaluate(() => (window as any).__live.wire.filter((w: any) => w.dir === 'in' && w.frame.t === 'push').map((w: any) => w.frame.ev))
  t.same(frames, [[['ping', { n: 1 }]]], 'in a push frame')
})

t.test('in development, an unknown hook name is warned about and a hook that throws is written to the console; the page goes on', async (t) => {
  const { url } = await serve(t, [['/chart', ChartView]], { debug: true })
  const page = await openChromiumPage(t, browser, `${url}/chart`, () => {
    (window as any).liveHooks = { Chart: { mounted () { throw new Error('chart library missing') } } }
  })
  const warned = page.waitForEvent('console', (m) => m.type() === 'warning' && m.text().includes('no client hook named "Late"'))
  await page.click('#show-late')
  const warning = await warned
  t.match(warning.text(), /define it in window\.liveHooks before the bundle loads, or in window\.live\.hooks \(known: Chart\)/)
  const threw = page.waitForEvent('console', (m) => m.type() === 'error' && m.text().includes('the client hook "Chart" threw in mounted()'))
  await page.click('#toggle')
  await page.click('#toggle')
  await threw
  await page.click('#note')
  await page.waitForFunction(() => document.querySelector('#last')!.textContent === 'noted')
  t.pass('the view still answers')
})

t.test('events that came with a render the page cannot apply wait for the full render it asks for', async (t) => {
  const { url } = await serve(t, [['/dup', DupView]])
  const page = await openChromiumPage(t, browser, `${url}/dup`, () => {
    const w = window as any
    w.__seen = []
    document.addEventListener('live:bumped', (e) => w.__seen.push([(e as CustomEvent).detail.n, document.querySelector('#n')!.textContent]))
  })
  await page.click('#bump')
  await page.waitForFunction(() => (window as any).__seen.length === 1)
  t.same(await page.evaluate(() => (window as any).__seen), [[1, '1']], 'dispatched once the page shows the render')
  const asked = await page.evaluate(() => (window as any).__live.wire.filter((w: any) => w.dir === 'out' && w.frame.t === 'render').length)
  t.equal(asked, 1, 'the delta did not apply: the page asked for the full render')
})
