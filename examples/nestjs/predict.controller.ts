import { Body, Controller, Get, HttpCode, HttpException, Post } from '@nestjs/common';
import { batcherOf } from 'batched-fn';
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
  async predict(@Body() body: PredictBody): Promise<{ scores: number[] }> {
    try {
      return { scores: await this.classifier.predict(body?.features) };
    } catch (error) {
      throw new HttpException(errorBody(error), statusFor(error));
    }
  }

  @Get('stats')
  stats() {
    return batcherOf(this.classifier, 'predict').stats();
  }
}
