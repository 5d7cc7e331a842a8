import type { FastifyBaseLogger } from 'fastify'
import type { ResolvedOptions } from './options.js'
import type { Renderer } from './render.js'
import type { Handoff } from './handoff.js'
import type { TokenSigner } from './token.js'
import type { ViewCatalog, ViewInfo } from './catalog.js'
import type { Session } from './session.js'
import type { Engines } from './channels.js'
import type { UploadStore } from './uploads.js'
import type { Navigator } from './navigation.js'
import type { UnsentBytes } from './unsent-bytes.js'

/** A route declared with `app.live()`. */
export interface LiveRoute {
  /** The full URL pattern, the key mount tokens carry. */
  readonly key: string
  readonly info: ViewInfo
  readonly permissions: readonly string[]
  readonly layout: string | false
}

/** Counts of what is alive, for tests and monitoring: all but `renders` return to zero when sessions end. */
export interface LiveStats {
  views: number
  tasks: number
  sockets: number
  /** Topics this process has subscribers of. */
  topics: number
  /** Templates rendered since start (a broadcast to views of equal state renders once). */
  renders: number
}

/** What one registration of the plugin shares between its modules. */
export interface Core {
  readonly opts: ResolvedOptions
  readonly renderer: Renderer
  readonly catalog: ViewCatalog
  readonly signer: TokenSigner
  readonly handoff: Handoff<Session>
  readonly routes: Map<string, LiveRoute>
  /** Which live route a URL names (live navigation, lib/navigation.ts). */
  readonly navigator: Navigator
  readonly stats: LiveStats
  /** Publish/subscribe and presence: in this process, or over Redis. */
  readonly engines: Engines
  readonly log: FastifyBaseLogger
  /** Upload entries and their temporary folder (lib/uploads.ts). */
  readonly uploads: UploadStore
  /** What all sockets hold unsent, against `maxTotalBufferedBytes` (lib/unsent-bytes.ts). */
  readonly unsent: UnsentBytes
  /** `<script>` tags of the bundle, built once. */
  scripts: string
}
