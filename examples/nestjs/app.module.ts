import { Module } from '@nestjs/common';
import { Mlp } from '../../bench/model.js';
import { CLASSIFIER_SHAPE } from '../model.js';
import { ClassifierService } from './classifier.service.js';
import { PredictController } from './predict.controller.js';

@Module({
  controllers: [PredictController],
  // The model loads once, before the service that needs it is built.
  providers: [{ provide: Mlp, useFactory: () => Mlp.load(CLASSIFIER_SHAPE) }, ClassifierService],
})
export class AppModule {}
