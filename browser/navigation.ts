import {
  ANNOUNCER, EV_NAVIGATE_END, EV_NAVIGATE_START, FLASH_COOKIE, LINK_NAVIGATE, LINK_PATCH, NAVIGATING, ROOT, TOKEN,
} from './constants.js'
import { emit } from './emit.js'
import { rootOf } from './registry.js'
import { onNavigated, type LiveRoot } from './root.js'
import { reportError } from './report.js'
import type { Patch, Reply } from './socket.js'

// Live navigation (API.md §9): `live-patch` and `live-navigate` links, the
// back and forward buttons, and what a handler's reply asks for
// (`this.patch`, `this.navigate`, `this.redirect`). Each history entry
// remembers the root id of the view it showed and its scroll position
// ({ live, root, scroll }): going back to an entry of the view on the page
// is a patch (handleParams), to another one a navigate (a new mount). No
// page is cached, so any number of entries works.

interface Entry { live: 1, root: string, scroll: number }
type How = 'push' | 'replace' | 'pop'

/** The latest navigation; answers to older ones are dropped. */
let seq = 0
let saveTimer: ReturnType<typeof setTimeout> | undefined
/** The path and query the page's view shows. */
let shown = location.pathname + location.search
/** The title a view without `pageTitle` shows: the page's own. */
let ownTitle = ''

export function listenNavigation (doc: Document): void {
  ownTitle = doc.title
  // The bundle restores scroll itself, so a reload (or a page load back to
  // an entry of ours) must too: the entry remembers where it was.
  history.scrollRestoration = 'manual'
  const saved = (history.state as Entry | null)?.scroll
  const el = mainRootEl()
  if (el) replaceEntry({ live: 1, root: el.id, scroll: saved ?? scrollY })
  if (saved) scrollTo(0, saved)
  doc.addEventListener('click', onClick)
  addEventListener('popstate', onPop)
  // The entry keeps its scroll position up to date: a popstate has already left it.
  addEventListener('scroll', () => {
    clearTimeout(saveTimer)
    saveTimer = setTimeout(saveScroll, 100)
  }, { passive: true })
  onNavigated(fromServer)
}

/** The page's routed view: the first live root, which no other contains. */
const mainRootEl = (): Element | null => document.querySelector(`[${ROOT}]`)
const mainRoot = (): LiveRoot | undefined => {
  const el = mainRootEl()
  return el ? rootOf(el) : undefined
}

function onClick (e: MouseEvent): void {
  // new tabs, downloads, other windows and other origins are the browser's
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
  const a = (e.target as Element).closest?.(`a[${LINK_PATCH}],a[${LINK_NAVIGATE}]`)
  if (!(a instanceof HTMLAnchorElement) || a.hasAttribute('download') || (a.target && a.target !== '_self')) return
  const url = new URL(a.href, location.href)
  if (url.origin !== location.origin) return
  // a link to a fragment of this page scrolls, as it always does
  if (url.hash && url.pathname === location.pathname && url.search === location.search) return
  const root = mainRoot()
  if (!root) return
  e.preventDefault()
  if (a.hasAttribute(LINK_PATCH)) void patch(root, url, 'push')
  else void navigate(root, url, 'push')
}

function onPop (e: PopStateEvent): void {
  clearTimeout(saveTimer)
  const state = e.state as Entry | null
  // fragment changes and entries that are not ours
  if (state?.live !== 1) return
  const root = mainRoot()
  const url = new URL(location.href)
  if (!root) return location.reload()
  // back from a fragment of this very page: the view already shows it
  if (state.root === root.id && url.pathname + url.search === shown) return
  if (state.root === root.id) void patch(root, url, 'pop', state.scroll)
  else void navigate(root, url, 'pop', state.scroll)
}

/** The same view, another URL: `handleParams` runs on the server and the reply applies like an event's. */
async function patch (root: LiveRoot, url: URL, how: How, scroll = 0): Promise<void> {
  const n = begin(url, 'patch', how)
  const a = await root.navigation({ t: 'params', id: root.id, url: url.pathname + url.search })
  if (n !== seq) return
  if (a.t === 'error') return failed(url, how, a)
  commit(how, url, root.id, how === 'pop' ? scroll : null)
  end(url, 'patch')
}

/** Another live route over the same socket: its root replaces the page's view, without a page load. */
async function navigate (root: LiveRoot, url: URL, how: How, scroll = 0): Promise<void> {
  const n = begin(url, 'navigate', how)
  const a = await root.navigation({ t: 'navigate', id: root.id, url: url.pathname + url.search })
  if (n !== seq) return
  if (a.t === 'error') return failed(url, how, a)
  const template = document.createElement('template')
  template.innerHTML = a.root ?? ''
  const el = template.content.firstElementChild
  if (!el?.hasAttribute(ROOT)) return load(url, how)
  // the registry sees the old root go (it leaves) and the new one come (it joins, adopting this render)
  root.el.replaceWith(el)
  commit(how, url, el.id, how === 'pop' ? scroll : 0)
  document.title = typeof a.title === 'string' ? a.title : ownTitle
  focusView(el)
  announce(document.title)
  end(url, 'navigate')
}

function begin (url: URL, kind: string, how: How): number {
  // the entry being left keeps where it was scrolled to (a popstate has left it already)
  if (how !== 'pop') saveScroll()
  document.documentElement.classList.add(NAVIGATING)
  emit(document, EV_NAVIGATE_START, { url: url.href, kind })
  return ++seq
}

function end (url: URL, kind: string): void {
  document.documentElement.classList.remove(NAVIGATING)
  emit(document, EV_NAVIGATE_END, { url: url.href, kind })
}

/**
 * Not a live route, not allowed, not the same layout, or no socket: the
 * browser loads the URL (and gets the page, the 403 page or `onForbidden`).
 * A URL the server calls bad changes nothing.
 */
function failed (url: URL, how: How, a: { code: string, message: string }): void {
  end(url, 'failed')
  if (a.code === 'bad_url' || a.code === 'handler_error') {
    const el = mainRootEl()
    reportError(el ?? document, { code: a.code, message: a.message, handler: null })
    // the address bar shows an entry the page could not open: load it
    if (how === 'pop') location.reload()
    return
  }
  load(url, how)
}

function load (url: URL, how: How): void {
  if (how === 'pop') location.reload()
  else location.assign(url.href)
}

/** The history entry of the view now shown; `scroll`: where to scroll (`null`: stay). */
function commit (how: How, url: URL, root: string, scroll: number | null): void {
  shown = url.pathname + url.search
  const entry: Entry = { live: 1, root, scroll: scroll ?? scrollY }
  if (how === 'push') history.pushState(entry, '', url.href)
  else replaceEntry(entry, how === 'replace' ? url.href : undefined)
  if (scroll !== null) scrollTo(0, scroll)
}

function replaceEntry (entry: Entry, url?: string): void {
  history.replaceState({ ...history.state, ...entry }, '', url)
}

function saveScroll (): void {
  clearTimeout(saveTimer)
  const state = history.state as Entry | null
  if (state?.live === 1 && state.scroll !== scrollY) replaceEntry({ ...state, scroll: scrollY })
}

/** After a navigation, keyboard and screen-reader users start at the new view: its first heading, or the view itself. */
function focusView (root: Element): void {
  const target = (root.querySelector('h1') ?? root) as HTMLElement
  if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1')
  target.focus({ preventScroll: true })
}

function announce (text: string): void {
  let region = document.querySelector(`[${ANNOUNCER}]`)
  if (!region) {
    region = document.createElement('div')
    region.setAttribute(ANNOUNCER, '')
    region.setAttribute('aria-live', 'polite')
    region.setAttribute('aria-atomic', 'true')
    // hidden from sight, not from screen readers
    region.setAttribute('style', 'position:fixed;clip-path:inset(50%)')
    document.body.append(region)
  }
  region.textContent = text
}

/** A reply or patch of a view: its new token and title, and what its handler asked for. */
function fromServer (root: LiveRoot, a: Reply | Patch): void {
  if (a.token) root.el.setAttribute(TOKEN, a.token)
  if (a.title !== undefined) document.title = a.title ?? ownTitle
  const nav = a.nav
  if (!nav) return
  if (nav.redirect !== undefined) {
    if (nav.flash) document.cookie = `${FLASH_COOKIE}=${nav.flash}; path=/; max-age=60; samesite=lax`
    location.assign(nav.redirect)
  } else if (nav.navigate !== undefined) {
    void navigate(root, new URL(nav.navigate, location.href), 'push')
  } else if (nav.patch !== undefined) {
    saveScroll()
    commit(nav.replace ? 'replace' : 'push', new URL(nav.patch, location.href), root.id, null)
  }
}

