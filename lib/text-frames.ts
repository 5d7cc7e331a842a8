import { Socket } from 'node:net'
import type { WebSocket } from 'ws'

// Small server replies as one write of a whole WebSocket frame.
//
// `ws.send(text)` measures the text, frames it in a header buffer of its own
// and writes header and text as two corked writes (one writev). For the small
// frames a live view sends on nearly every event (a delta, a bare ack), that
// path costs about a tenth of the server's whole CPU per event at load (the
// raw floor of bench/, paired: 1.10×, docs/performance.md). Here the frame is
// built in one pooled buffer and written once.

/**
 * Frames up to this many bytes are written here; larger ones go through
 * `ws.send`. Below it, `Buffer.allocUnsafe` slices Node's shared pool instead
 * of allocating memory of its own.
 */
export const DIRECT_MAX_BYTES = 4000

/**
 * The TCP socket under `ws`, when frames may be written to it directly: only
 * without permessage-deflate, since ws queues messages behind one that is
 * being compressed, and a frame written past that queue would overtake them.
 */
export function directSocket (ws: WebSocket): Socket | null {
  if (ws.extensions !== '') return null
  const socket = (ws as unknown as { _socket?: unknown })._socket
  return socket instanceof Socket ? socket : null
}

/** A final, unmasked text frame (RFC 6455 §5.2) holding `text`, or `null` when it is larger than `DIRECT_MAX_BYTES`. */
export function textFrame (text: string): Buffer | null {
  const length = Buffer.byteLength(text)
  if (length > DIRECT_MAX_BYTES) return null
  const head = headerSize(length)
  const frame = Buffer.allocUnsafe(head + length)
  writeHeader(frame, length)
  frame.write(text, head)
  return frame
}

/**
 * The header of a final, unmasked text frame of `length` bytes, for a
 * payload written after it in pieces (a large render's bytes, encoded once:
 * `Connection#sendAround`).
 */
export function textFrameHeader (length: number): Buffer {
  const head = Buffer.allocUnsafe(headerSize(length))
  writeHeader(head, length)
  return head
}

/** Bytes of the header before a payload of `length` bytes: the length in 7 bits, or in 16 or 64 more. */
function headerSize (length: number): number {
  return length < 126 ? 2 : length < 65_536 ? 4 : 10
}

function writeHeader (frame: Buffer, length: number): void {
  frame[0] = 0x81 // FIN, opcode 1 (text)
  if (length < 126) {
    frame[1] = length
  } else if (length < 65_536) {
    frame[1] = 126
    frame.writeUInt16BE(length, 2)
  } else {
    frame[1] = 127
    frame.writeBigUInt64BE(BigInt(length), 2)
  }
}
