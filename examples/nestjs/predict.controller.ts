import { ServerResponse } from 'node:http';
import { Body, Controller, Get, HttpCode, HttpException, Post, Res } from '@nestjs/common';
import { batcherOf } from 'batched-fn';
import { abortOnHangUp } from '../hang-up.js';
import { errorBody, statusFor } from '../http-errors.js';
import { ClassifierService } from './classifier.service.js';

export class PredictBody {
  features!: number[];
}

@Controller()
export class PredictController {
  constructor(private readonly classifier: ClassifierService) {}

  @Post('predict')
  @HttpCode(200)
  async predict(
    @Body() body: PredictBody,
    // passthrough: Nest still sends what this returns; the response is only watched for a hang-up.
    @Res({ passthrough: true }) response: ServerResponse,
  ): Promise<{ scores: number[] }> {
    try {
      return { scores: await this.classifier.predict(body?.features, { signal: abortOnHangUp(response) }) };
    } catch (error) {
      throw new HttpException(errorBody(error), statusFor(error));
    }
  }

  @Get('stats')
  stats() {
    return batcherOf(this.classifier, 'predict').stats();
  }
}
