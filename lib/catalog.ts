import type nunjucks from 'nunjucks'
import { buildDispatchTable, type DispatchTable } from './dispatch.js'
import { FST_LIVE_STREAM, FST_LIVE_VIEW } from './errors.js'
import { escapeAttr, type Renderer } from './render.js'
import { jsonDataProblem, portableState } from './json-data.js'
import { streamNames } from './streams.js'
import { checkTemplate, loaderReader } from './template-check.js'
import { LiveView, publicState, type LiveViewClass } from './view.js'
import { uploadConfigs, type UploadConfigs } from './uploads.js'

/** Everything known about a view class once it is registered. */
export interface ViewInfo {
  readonly View: LiveViewClass
  readonly name: string
  /** Replaced when the template is edited while the app runs (`watchTemplates`); read it at each render. */
  template: nunjucks.Template
  readonly table: DispatchTable
  readonly listensTo: ReadonlySet<string>
  readonly embeds: ReadonlyMap<string, ViewInfo>
  /** The root's attributes that never change, serialized once: ` data-live-policies="…"` and listens. */
  readonly rootAttrs: string
  /** `static uploads`, checked (lib/uploads.ts); empty for most views. */
  readonly uploads: UploadConfigs
  /** `static pureHandleInfo`: broadcasts may skip comparing states of views known alike (Session#renderShared). */
  readonly pureHandleInfo: boolean
}

/**
 * Resolves view classes to `ViewInfo`s, once per class and template.
 * Checks everything that can be checked before a request arrives.
 */
export class ViewCatalog {
  readonly #byClass = new Map<LiveViewClass, Map<string, ViewInfo>>()
  /** `warn` hears what the template check finds (the app's log.warn in the plugin). */
  constructor (readonly renderer: Renderer, readonly debug = false, readonly warn?: (message: string) => void) {}

  describe (View: LiveViewClass, templateOverride?: string): ViewInfo {
    if (typeof View !== 'function' || !(View.prototype instanceof LiveView)) {
      throw new FST_LIVE_VIEW(`${String((View as any)?.name ?? View)} is not a view: a view is a class that extends LiveView (import { LiveView } from 'fastify-live')`)
    }
    const name = View.name || 'AnonymousView'
    const templateName = templateOverride ?? View.template
    if (typeof templateName !== 'string' || templateName === '') {
      throw new FST_LIVE_VIEW(`${name} has no template: add \`static template = '${kebab(name)}.njk'\` to the class or pass { template } to app.live()`)
    }
    let perTemplate = this.#byClass.get(View)
    const known = perTemplate?.get(templateName)
    if (known !== undefined) return known
    if (perTemplate === undefined) this.#byClass.set(View, perTemplate = new Map())

    const sample = instantiate(View, name)
    if (Object.hasOwn(sample, 'uploads')) throw new FST_LIVE_VIEW(`${name} has a property named "uploads", which is reserved for its uploads in the template; rename it`)
    if (Object.hasOwn(sample, 'live')) {
      throw new FST_LIVE_VIEW(`${name} has a property named "live", which is reserved for the template helpers ({{ live.embed() }}, ...); rename it`)
    }
    const problem = jsonDataProblem(portableState(publicState(sample)), name)
    if (problem !== undefined) {
      throw new FST_LIVE_VIEW(`${problem}, which does not survive JSON: a view's public state is handed from the page's render to its join, maybe on another process. Keep public properties plain JSON data (an ISO string or a number for a date), or make the property private (a name starting with "_")`)
    }
    if (streamNames(View).size > 0 && Object.hasOwn(sample, 'streams')) {
      throw new FST_LIVE_STREAM(`${name} declares static streams and has a property named "streams", which is where the template finds the streams' items; rename the property`)
    }
    const listensTo = stringList(name, 'listensTo', View.listensTo, "static listensTo = ['filter']")
    if (View.pureHandleInfo !== undefined && typeof View.pureHandleInfo !== 'boolean') {
      throw new FST_LIVE_VIEW(`${name}.pureHandleInfo must be true or false; got ${JSON.stringify(View.pureHandleInfo) ?? typeof View.pureHandleInfo}`)
    }
    const table = buildDispatchTable(View)
    const cached = [...table.handlers.values()].filter((entry) => entry.cache !== undefined).map((entry) => `${entry.name}()`)
    if (cached.length > 0 && streamNames(View).size > 0) {
      // A hit shows the page as it was cached; the stream's items have moved on since, and the server no longer has them.
      throw new FST_LIVE_STREAM(`${name} declares static streams and @cache on ${cached.join(', ')}: a cache hit would show the stream's items as they were when the result was cached, which the server no longer has; remove @cache from ${cached.length === 1 ? 'that handler' : 'those handlers'}, or keep the items in a plain property instead of a stream`)
    }
    for (const key of listensTo) requireField(sample, name, key, `is in \`static listensTo\``)
    for (const entry of table.handlers.values()) {
      for (const key of entry.clientState ?? []) requireField(sample, name, key, `is published by @clientState on ${entry.name}()`)
      if (entry.loading !== undefined) requireField(sample, name, entry.loading, `is set by @loading on ${entry.name}()`)
    }
    const embeds = new Map<string, ViewInfo>()
    const info: ViewInfo = {
      View,
      name,
      template: this.renderer.template(templateName, name),
      table,
      listensTo: new Set(listensTo),
      embeds,
      uploads: uploadConfigs(name, View.uploads),
      pureHandleInfo: View.pureHandleInfo === true,
      rootAttrs: ` data-live-policies="${escapeAttr(table.policiesJson)}"` +
        (listensTo.length > 0 ? ` data-live-listens="${escapeAttr(JSON.stringify(listensTo))}"` : '') +
        (this.debug ? ` data-live-view="${escapeAttr(debugInfo(name, table))}"` : ''),
    }
    // Registered before the embeds are resolved, so a view may embed itself.
    perTemplate.set(templateName, info)
    if (View.embeds !== undefined) {
      if (typeof View.embeds !== 'object' || View.embeds === null) {
        throw new FST_LIVE_VIEW(`${name}.embeds must be an object of name → view class, e.g. static embeds = { Cart: CartView }`)
      }
      for (const [embedName, Embedded] of Object.entries(View.embeds)) {
        embeds.set(embedName, this.describe(Embedded))
      }
    }
    if (this.warn !== undefined) this.#checkTemplate(info, templateName)
    return info
  }

  /** Take the templates the renderer holds now (after `renderer.reload()`), for every view described. */
  refresh (): void {
    for (const perTemplate of this.#byClass.values()) {
      for (const [templateName, info] of perTemplate) info.template = this.renderer.template(templateName, info.name)
    }
  }

  /** Warns (once per view and template: describe caches) about template names that match nothing in the view. */
  #checkTemplate (info: ViewInfo, templateName: string): void {
    const proto = info.View.prototype as unknown as Record<string, unknown>
    const problems = checkTemplate(info.name, templateName, loaderReader(this.renderer.env), {
      handlers: info.table.handlers.keys(),
      isMethod: (key) => !(key in LiveView.prototype) && typeof proto[key] === 'function',
      embeds: info.embeds.keys(),
    })
    for (const problem of problems) this.warn!(`fastify-live: ${problem}`)
  }
}

/** What the debug panel shows of a view (development only; never sent in production). */
function debugInfo (name: string, table: DispatchTable): string {
  const handlers: Record<string, unknown> = {}
  for (const entry of table.handlers.values()) {
    handlers[entry.name] = {
      description: entry.description,
      params: entry.params,
      policies: {
        ...entry.client,
        ...(entry.permissions.length > 0 ? { permissionRequired: entry.permissions } : {}),
        ...(entry.background ? { background: true } : {}),
      },
    }
  }
  return JSON.stringify({ view: name, handlers })
}

function instantiate (View: LiveViewClass, name: string): LiveView {
  try {
    return new View()
  } catch (err) {
    throw new FST_LIVE_VIEW(`${name} could not be constructed without arguments (${(err as Error).message}); keep constructors free of work and set state in mount()`)
  }
}

function requireField (sample: object, view: string, key: string, why: string): void {
  if (!Object.hasOwn(sample, key)) {
    throw new FST_LIVE_VIEW(`${view}: "${key}" ${why} but is not a property of the view; declare it with a default, e.g. \`${key} = ''\``)
  }
}

function stringList (view: string, what: string, value: unknown, example: string): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) {
    throw new FST_LIVE_VIEW(`${view}.${what} must be a list of property names, e.g. ${example}`)
  }
  return value
}

function kebab (name: string): string {
  return name.replace(/View$/, '').replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase() || 'view'
}
