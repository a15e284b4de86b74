/**
 * Forwarding a request to the active controller, as Kafka's brokers do in KRaft mode. When no
 * controller answers in time, the response's own error field says REQUEST_TIMED_OUT.
 */
import { NagareError } from '@nagare/common';
import { ErrorCode, type RequestByKey, type ResponseByKey } from '@nagare/protocol';
import type { ControllerApiKey } from '../controller-channel';
import type { RequestContext } from './types';

export function forwardToController<K extends ControllerApiKey>(
  apiKey: K,
  onError: (code: number, message: string, req: RequestByKey[K], version: number) => ResponseByKey[K],
): (ctx: RequestContext, req: RequestByKey[K]) => Promise<ResponseByKey[K]> {
  return async (ctx, req) => {
    try {
      return await ctx.services.controller.send(apiKey, req, { version: ctx.apiVersion });
    } catch (e) {
      const code = e instanceof NagareError && e.kafkaErrorCode !== undefined && e.kafkaErrorCode > 0 ? e.kafkaErrorCode : ErrorCode.REQUEST_TIMED_OUT;
      return onError(code, (e as Error).message, req, ctx.apiVersion);
    }
  };
}
