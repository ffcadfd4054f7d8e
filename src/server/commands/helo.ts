import { heloReply } from '../../protocol/tcd-serialize.js';
import { unmapIPv4 } from '../../protocol/address.js';
import type { TcdRequest } from '../../protocol/tcd-request.js';
import type { CommandHandler } from '../context.js';

/** T9: IP is the address the client reached, Port the port it reached, StudentID configured. */
export const helo: CommandHandler<Extract<TcdRequest, { type: 'helo' }>> = (ctx, session, req) => {
  const endpoint = { ip: unmapIPv4(session.info.localAddress), port: session.info.localPort };
  session.reply(heloReply(req.text, endpoint, ctx.options.studentId));
};
