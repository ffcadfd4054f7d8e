import { isLoopback } from '../../protocol/address.js';
import { ErrorCode, protocolError } from '../../protocol/errors.js';
import type { TcdRequest } from '../../protocol/tcd-request.js';
import type { CommandHandler } from '../context.js';

type Kill = Extract<TcdRequest, { type: 'kill' }>;

/** T14: the policy decides who may stop the service; when allowed there is no reply. */
export const kill: CommandHandler<Kill> = (ctx, session) => {
  const policy = ctx.options.killPolicy;
  const allowed =
    policy === 'any' || (policy === 'local' && isLoopback(session.info.remoteAddress));
  if (!allowed) {
    session.replyError(protocolError(ErrorCode.KillRefused, `policy is '${policy}'`));
    return;
  }
  session.log.warn({ remote: session.info.remoteAddress }, 'KILL_SERVICE');
  ctx.kill(session);
};
