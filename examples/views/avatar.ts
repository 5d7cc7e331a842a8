import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { FastifyInstance } from 'fastify'
import { LiveView, eventHandler } from '../../lib/index.js'

/** Saved avatars, in memory for the demo (a real app moves the file to its storage); the last 20 are kept. */
const avatars = new Map<string, { type: string, data: Buffer }>()
const KEPT = 20

/** `GET /avatars/:id`: a saved avatar. */
export function avatarRoutes (app: FastifyInstance): void {
  app.get<{ Params: { id: string } }>('/avatars/:id', async (request, reply) => {
    const avatar = avatars.get(request.params.id)
    if (avatar === undefined) return reply.code(404).send({ error: 'no such avatar' })
    return reply.type(avatar.type).header('x-content-type-options', 'nosniff').send(avatar.data)
  })
}

/** An avatar upload: a preview before any byte is sent, progress while it goes, then Save. */
export class AvatarView extends LiveView {
  static override template = 'avatar.njk'
  static override uploads = { avatar: { accept: ['.png', '.jpg', '.jpeg', '.gif', '.webp'], maxEntries: 1, maxFileSize: 2_000_000 } }
  title = 'Avatar'
  pageTitle = 'Avatar · fastify-live'
  /** The saved avatar's URL, or ''. */
  saved = ''

  @eventHandler({ description: 'Keep the uploaded image as the avatar' })
  async save () {
    const [url] = await this.consumeUploads('avatar', async ({ path, type }) => {
      const id = randomBytes(8).toString('hex')
      avatars.set(id, { type: /^image\/(png|jpeg|gif|webp)$/.test(type) ? type : 'application/octet-stream', data: await readFile(path) })
      if (avatars.size > KEPT) avatars.delete(avatars.keys().next().value!)
      return `/avatars/${id}`
    })
    if (url !== undefined) this.saved = url
  }

  @eventHandler({ params: ['ref'], description: 'Cancel the upload `ref`' })
  cancel ({ ref }: { ref: string }) { this.cancelUpload('avatar', ref) }
}
