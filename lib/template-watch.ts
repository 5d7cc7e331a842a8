import { watch, type FSWatcher } from 'node:fs'
import type { Core } from './core.js'
import type { Session } from './session.js'

/** Editors write a file in a burst of events (truncate, write, rename): one reload per burst. */
export const SETTLE_MS = 50

export interface TemplateWatcher {
  close (): void
}

/**
 * Development: watches the template directories; on a change the templates
 * are compiled again and every open view re-renders and patches its page, its
 * state kept. Every view, not only those naming the file: a template may be
 * included, imported or extended by others, and development apps are small.
 * Layouts are read at each HTTP render, so a layout edit shows at the next
 * page load.
 */
export function watchTemplates (core: Core, sessions: () => Iterable<Session>): TemplateWatcher {
  const watchers: FSWatcher[] = []
  let timer: NodeJS.Timeout | null = null
  let last: Promise<void> = Promise.resolve()
  let closed = false

  const reload = async (): Promise<void> => {
    timer = null
    const errors = core.renderer.reload()
    // One log per failing template and edit, not one per render: the views keep the version that compiled.
    for (const err of errors) core.log.error({ err }, 'fastify-live: an edited template does not compile; its last good version is kept until it is fixed')
    core.catalog.refresh()
    const pushes: Array<Promise<void>> = []
    for (const session of sessions()) {
      // push() renders inside the view's queue; a render that throws is reported there (the page keeps its HTML).
      pushes.push(session.push().catch((err: unknown) => core.log.error({ err }, 'fastify-live: re-rendering after a template edit failed')))
    }
    await Promise.all(pushes)
  }

  const changed = (): void => {
    if (closed) return
    if (timer !== null) clearTimeout(timer)
    timer = setTimeout(() => { last = last.then(reload) }, SETTLE_MS)
  }

  for (const dir of core.opts.templates) {
    try {
      // Not persistent: a script or a test that registers the plugin and never closes the app must still exit (a server that listens keeps the process alive anyway).
      const watcher = watch(dir, { recursive: true, persistent: false }, changed)
      watcher.on('error', (err) => core.log.warn({ err, dir }, 'fastify-live: stopped watching a template directory'))
      watchers.push(watcher)
    } catch (err) {
      // A directory that does not exist holds no template to edit (the default `templates` may be absent).
      core.log.debug({ err, dir }, 'fastify-live: not watching a template directory')
    }
  }

  return {
    close () {
      closed = true
      if (timer !== null) clearTimeout(timer)
      timer = null
      for (const watcher of watchers) watcher.close()
    },
  }
}
