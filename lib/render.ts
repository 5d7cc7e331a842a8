import { fileURLToPath } from 'node:url'
import nunjucks from 'nunjucks'
import { FST_LIVE_TEMPLATE } from './errors.js'

/** The plugin's own templates (`live/layout.njk`, `live/forbidden.njk`, ...); the app's directories come first, so an app may override them. */
export const PLUGIN_TEMPLATES = fileURLToPath(new URL('../templates/', import.meta.url))

export type Html = nunjucks.runtime.SafeString
export const safe = (html: string): Html => new nunjucks.runtime.SafeString(html)

/**
 * Live views render with their own Nunjucks environment over the plugin's
 * template directories, whatever else the app registered: templates are
 * compiled once at registration and rendered synchronously on the event path
 * (no promise per render, no re-read of files).
 */
export class Renderer {
  readonly env: nunjucks.Environment
  readonly #dirs: string[]
  readonly #cache = new Map<string, nunjucks.Template>()

  constructor (dirs: string[]) {
    this.#dirs = [...dirs, PLUGIN_TEMPLATES]
    this.env = new nunjucks.Environment(new nunjucks.FileSystemLoader(this.#dirs), { autoescape: true })
  }

  /** A compiled template; fails with a message naming what needed it and where it was looked for. */
  template (name: string, neededBy: string): nunjucks.Template {
    let tmpl = this.#cache.get(name)
    if (tmpl !== undefined) return tmpl
    tmpl = this.#compile(name, neededBy)
    this.#cache.set(name, tmpl)
    return tmpl
  }

  #compile (name: string, neededBy: string): nunjucks.Template {
    try {
      return this.env.getTemplate(name, true)
    } catch (err) {
      const message = (err as Error).message
      const why = /not found/i.test(message)
        ? `was not found in ${this.#dirs.join(', ')}; check the name or the plugin's \`templates\` option`
        : `does not compile: ${message}`
      throw new FST_LIVE_TEMPLATE(`the template "${name}" of ${neededBy} ${why}`)
    }
  }

  /**
   * Read every template again (development: lib/template-watch.ts). The
   * loaders' caches are dropped, so includes, imports and parents are read
   * again at their next render; the templates compiled so far are compiled
   * again now. One that no longer compiles (or was removed) keeps its last
   * good version, and its error is returned.
   */
  reload (): Error[] {
    // Not in @types/nunjucks, public in nunjucks 3.
    ;(this.env as unknown as { invalidateCache (): void }).invalidateCache()
    const errors: Error[] = []
    for (const name of this.#cache.keys()) {
      try {
        this.#cache.set(name, this.#compile(name, 'the running app'))
      } catch (err) {
        errors.push(err as Error)
      }
    }
    return errors
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '"': '&quot;', '<': '&lt;', '>': '&gt;', "'": '&#39;' }
export function escapeAttr (value: string): string {
  return value.replace(/[&"<>']/g, (c) => ESCAPES[c]!)
}
