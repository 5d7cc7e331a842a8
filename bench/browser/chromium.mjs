// What the Chromium benches (morph, streams, navigate) share: one way to
// launch the browser, and one summary of a list of timings.
import { chromium } from 'playwright-core'

/** Debian's Chromium, headless, without background work that would add noise (`LIVE_CHROMIUM` overrides the path). */
export async function launchChromium () {
  return await chromium.launch({
    executablePath: process.env.LIVE_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
}

/** Median and p90 of `times` (ms, sorted in place), rounded to `decimals`. */
export function medianP90 (times, decimals = 2) {
  const scale = 10 ** decimals
  const round = (ms) => Math.round(ms * scale) / scale
  times.sort((a, b) => a - b)
  return { medianMs: round(times[times.length >> 1]), p90Ms: round(times[Math.floor(times.length * 0.9)]) }
}
