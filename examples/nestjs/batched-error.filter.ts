// Maps the library's errors to HTTP statuses the Nest way: one exception filter, registered
// for the whole app, instead of a try/catch in every controller. A full queue or a closing
// batcher is 503, a deadline 504, an input the `input` check refused 400.
import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { BatchedError } from 'batched-fn';
import type { ServerResponse } from 'node:http';
import { errorBody, statusFor } from '../http-errors.js';

@Catch(BatchedError, TypeError)
export class BatchedErrorFilter implements ExceptionFilter {
  catch(error: BatchedError | TypeError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<ServerResponse>();
    response.statusCode = statusFor(error);
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(errorBody(error)));
  }
}
