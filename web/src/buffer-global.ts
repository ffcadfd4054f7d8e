/**
 * Node's Buffer in the browser (the `buffer` package), injected by the build wherever the
 * bundled protocol code (src/protocol/framer.ts, tcd-reply.ts) names `Buffer`.
 */
export { Buffer } from 'buffer';
