import t from 'tap'
import * as ws from 'ws'

// ws's own framing (not in its type definitions).
const { Sender } = ws as unknown as { Sender: { frame (data: Buffer, options: Record<string, unknown>): Buffer[] } }
import { DIRECT_MAX_BYTES, textFrame, textFrameHeader } from '../../lib/text-frames.js'

// What ws itself would put on the wire for a final, unmasked text frame.
const wsFrame = (text: string): Buffer => {
  const data = Buffer.from(text)
  return Buffer.concat(Sender.frame(data, { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: false }))
}

t.test('a frame is byte for byte what ws frames, at every length up to the limit', async (t) => {
  const texts: string[] = []
  for (let n = 0; n <= 300; n++) texts.push('a'.repeat(n), 'é'.repeat(n >> 1) + 'a'.repeat(n & 1))
  for (let n = DIRECT_MAX_BYTES - 20; n <= DIRECT_MAX_BYTES; n++) texts.push('x'.repeat(n))
  texts.push('日本語🎉'.repeat(50), '{"t":"reply","ref":1,"id":"lv-abcdefghij","v":2,"d":["count","<output id=\\"count\\">1</output>"]}')
  let differ = 0
  for (const text of texts) {
    const frame = textFrame(text)
    if (frame === null || !frame.equals(wsFrame(text))) {
      differ++
      t.fail(`${Buffer.byteLength(text)} bytes: ${frame?.subarray(0, 4).toString('hex')} where ws writes ${wsFrame(text).subarray(0, 4).toString('hex')}`)
    }
  }
  t.equal(differ, 0, `${texts.length} texts, 0 to ${DIRECT_MAX_BYTES} bytes`)
})

t.test('past the limit there is no frame: ws.send takes over', async (t) => {
  t.equal(textFrame('x'.repeat(DIRECT_MAX_BYTES + 1)), null)
  t.equal(textFrame('é'.repeat(DIRECT_MAX_BYTES / 2 + 1)), null, 'the limit is in bytes, not characters')
})

t.test('a header for a payload written in pieces is what ws puts before it, at each of the three sizes of length', async (t) => {
  for (const n of [0, 125, 126, 65_535, 65_536, 300_000]) {
    const payload = Buffer.alloc(n, 0x61)
    t.same(Buffer.concat([textFrameHeader(n), payload]), wsFrame(payload.toString()), `${n} bytes`)
  }
})
