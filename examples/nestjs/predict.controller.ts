import { ServerResponse } from 'node:http';
import { Body, Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import { batcherOf } from 'batched-fn';
import { abortOnHangUp } from '../hang-up.js';
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
    // A failure propagates: BatchedErrorFilter turns it into its HTTP status.
    return { scores: await this.classifier.predict(body?.features, { signal: abortOnHangUp(response) }) };
  }

  @Get('stats')
  stats() {
    return batcherOf(this.classifier, 'predict').stats();
  }
}
