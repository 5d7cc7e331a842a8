import type { FastifyInstance } from 'fastify'
import type { UploadStore } from './uploads.js'

/**
 * `PUT <prefix>/upload/<token>`: the bytes of one announced entry. In a
 * context of its own, whose only body parser leaves the request unread, so
 * the stream goes to lib/uploads.ts as it arrives and is never buffered.
 */
export async function registerUploadRoute (app: FastifyInstance, prefix: string, store: UploadStore): Promise<void> {
  await app.register(async (child) => {
    child.removeAllContentTypeParsers()
    child.addContentTypeParser('*', (_request, _payload, done) => done(null))
    child.put<{ Params: { token: string } }>(`${prefix}/upload/:token`, async (request, reply) => {
      const opened = store.open(request.params.token)
      if (!('entry' in opened)) {
        // The body is not read: close the connection rather than drain it.
        return reply.code(opened.status).header('connection', 'close').send({ code: opened.code, message: opened.message })
      }
      const { entry } = opened
      const result = await entry.owner!.receive(entry, request.raw)
      // A refused or stopped transfer destroyed its request: there is nobody left to answer.
      // (The request itself is destroyed once read to its end: ask its socket.)
      if (request.raw.socket.destroyed) return reply.hijack()
      return reply.code(result.status).send({ code: result.code ?? 'ok' })
    })
  })
}
