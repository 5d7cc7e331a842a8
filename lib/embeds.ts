import { createHash } from 'node:crypto'
import { safe, type Html } from './render.js'

// Embedded views (`static embeds`, `{{ live.embed('Name', props) }}`) and the
// template helpers a live template sees as `live`.
//
// Templates render synchronously, and an embed's `mount()` may be async: the
// template leaves a marker per `live.embed()` call, and a second pass replaces
// the markers (Embeds.fill). An embed's identity is its position and name in
// its parent, so a remounted parent finds its embeds where the browser has
// them.

/** What an embed needs of a session: only what the second pass uses. */
export interface EmbedHost {
  readonly id: string
  readonly closed: boolean
  /** Mount the embed `name` with `props` under the id `id`, render it, and hand it to its own join. */
  mountEmbed (name: string, props: Record<string, unknown>, id: string): Promise<{ child: EmbedHost, html: string }>
  /** An already joined view on the same socket, if any (a remounted parent adopts its embeds). */
  joined (id: string): EmbedHost | undefined
  /** Whether the view is joined to a socket (an embed not joined is its parent's to close). */
  readonly attached: boolean
  /** End it: nobody will join it now. */
  end (): void
}

interface Call { name: string, props: Record<string, unknown> }

export class Embeds<S extends EmbedHost> {
  readonly #names: ReadonlySet<string>
  readonly #view: string
  /** The `live.embed()` calls of the render in progress, if any. */
  #calls: Call[] | null = null
  #children: Array<{ name: string, session: S }> | undefined

  constructor (view: string, names: ReadonlySet<string>) {
    this.#view = view
    this.#names = names
  }

  /** Sessions mounted for the embeds of the last render. */
  get children (): readonly S[] { return this.#children?.map((c) => c.session) ?? [] }

  /** `live.embed()` in a template: a marker the second pass replaces. */
  marker (name: string, props: Record<string, unknown> = {}): Html {
    if (!this.#names.has(name)) {
      throw new Error(`${this.#view} embeds no view named "${name}"; add it to static embeds (known: ${[...this.#names].join(', ') || 'none'})`)
    }
    const calls = (this.#calls ??= [])
    calls.push({ name, props })
    return safe(`<!--live-embed:${calls.length - 1}-->`)
  }

  /** Start collecting a render's calls. */
  begin (): void { this.#calls = null }

  /** The calls the render made; `null` when it embedded nothing. */
  end (): Call[] | null {
    const calls = this.#calls
    this.#calls = null
    return calls
  }

  /**
   * Replace the markers: existing embeds become empty root shells (the
   * browser keeps their content), new ones are mounted and rendered.
   */
  async fill (host: S, html: string, calls: Call[]): Promise<string> {
    const children: Array<{ name: string, session: S }> = []
    const parts: string[] = []
    for (let k = 0; k < calls.length; k++) {
      const { name, props } = calls[k]!
      const old = this.#children?.[k]
      const id = childId(host.id, k, name)
      let child = (old?.name === name && !old.session.closed ? old.session : undefined) ?? host.joined(id) as S | undefined
      if (child !== undefined) {
        parts.push(`<div id="${child.id}" data-live-root></div>`)
      } else {
        const mounted = await host.mountEmbed(name, plain(props), id)
        child = mounted.child as S
        parts.push(mounted.html)
      }
      children.push({ name, session: child })
    }
    // Embeds this render dropped (or replaced by another name at their place)
    // and that nobody joined are ended here; a joined one leaves with its root.
    const kept = new Set(children.map((c) => c.session))
    for (const old of this.#children ?? []) if (!kept.has(old.session) && !old.session.attached) old.session.end()
    this.#children = children
    return html.replace(/<!--live-embed:(\d+)-->/g, (_, k) => parts[Number(k)]!)
  }
}

/** Embed ids are derived from the parent's, so a remounted parent finds its embeds where the browser has them. */
export function childId (parent: string, k: number, name: string): string {
  return 'lv-' + createHash('sha256').update(`${parent}/${k}/${name}`).digest('base64url').slice(0, 10)
}

function plain (props: Record<string, unknown>): Record<string, unknown> {
  return typeof props === 'object' && props !== null ? JSON.parse(JSON.stringify(props)) : {}
}

/** What a template helper needs of the session that renders. */
export interface Rendering {
  embed (name: string, props?: Record<string, unknown>): Html
  readonly scripts: Html
  /** Validation messages per field of the last call refused for its params. */
  readonly errors: Readonly<Record<string, string>>
  /** The flash message of `kind` (live navigation), or `''`. */
  flashOf (kind: string): string
}

/**
 * The session whose template is rendering. Rendering is synchronous, so one
 * module-level slot (saved and restored around nested renders) lets every
 * session share one `live` helpers object instead of closures of its own.
 */
let rendering: Rendering | null = null

/** Render with `session` as the target of the `live` helpers. */
export function renderWith<T> (session: Rendering, render: () => T): T {
  const outer = rendering
  rendering = session
  try {
    return render()
  } finally {
    rendering = outer
  }
}

/** The template context's `live`: `live.embed(name, props)` and `live.scripts()`. */
export const helpers = Object.freeze({
  embed: (name: string, props?: Record<string, unknown>): Html => current().embed(name, props),
  scripts: (): Html => current().scripts,
  /** `{{ live.errors.title }}`: the message for a field of the last call refused for its params (API.md §3). */
  get errors (): Readonly<Record<string, string>> { return current().errors },
  /** `{{ live.flash('info') }}`: the view's flash message of that kind, or `''` (API.md §9). */
  flash: (kind: string): string => current().flashOf(kind),
})

function current (): Rendering {
  if (rendering === null) throw new Error('live helpers can only be called while a live view renders')
  return rendering
}
