import { createHash } from 'node:crypto'
import { readFile, readdir } from 'node:fs/promises'
import type { FastifyInstance } from 'fastify'
import { LiveView, eventHandler } from '../../lib/index.js'
import { kCore } from '../../lib/symbols.js'
import type { Core } from '../../lib/core.js'

export const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

/** The avatar form of API.md §11: up to two images of at most 1 MB. */
export class AvatarView extends LiveView {
  static override template = 'uploads-avatar.njk'
  static override uploads = { avatar: { accept: ['.png', '.jpg', 'image/webp'], maxEntries: 2, maxFileSize: 1_000_000 } }
  saved: string[] = []

  @eventHandler()
  async save () {
    this.saved = await this.consumeUploads('avatar', async ({ path, name, type, size }) => `${name}|${type}|${size}|${sha256(await readFile(path))}`)
  }

  @eventHandler({ params: ['ref'] })
  cancel ({ ref }: { ref: string }) { this.cancelUpload('avatar', ref) }
}

export function uploadCore (app: FastifyInstance): Core {
  return (app.live as unknown as Record<symbol, Core>)[kCore]!
}

/** The files this app's process holds in its temporary folder. */
export async function tempFiles (app: FastifyInstance): Promise<string[]> {
  return await readdir(uploadCore(app).uploads.dir)
}

/** The temporary files once removals in flight have settled (a cancel removes its partial file after its transfer stops). */
export async function settledTempFiles (app: FastifyInstance, tries = 200): Promise<string[]> {
  let files = await tempFiles(app)
  for (let i = 0; i < tries && files.length > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10))
    files = await tempFiles(app)
  }
  return files
}
