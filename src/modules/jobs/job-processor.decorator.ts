import { applyDecorators, Injectable, SetMetadata } from '@nestjs/common';
import type { JobDefinition } from './job-definitions';

export const JOB_PROCESSOR = Symbol('JOB_PROCESSOR');

/** Marks a provider as the one handler of a declared job; it must implement `JobHandler`. */
export const JobProcessor = (job: JobDefinition) =>
  applyDecorators(Injectable(), SetMetadata(JOB_PROCESSOR, job));
