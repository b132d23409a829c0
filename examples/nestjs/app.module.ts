import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Mlp } from '../../bench/model.js';
import { CLASSIFIER_SHAPE } from '../model.js';
import { BatchedErrorFilter } from './batched-error.filter.js';
import { ClassifierService } from './classifier.service.js';
import { PredictController } from './predict.controller.js';

@Module({
  controllers: [PredictController],
  // The model loads once, before the service that needs it is built.
  providers: [
    { provide: Mlp, useFactory: () => Mlp.load(CLASSIFIER_SHAPE) },
    ClassifierService,
    // The library's errors become HTTP statuses in one place, for every route.
    { provide: APP_FILTER, useClass: BatchedErrorFilter },
  ],
})
export class AppModule {}
