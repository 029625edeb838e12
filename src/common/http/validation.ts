import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ProblemException } from './problem';

/** One refused field of a request body. */
export interface FieldError {
  field: string;
  message: string;
}

/** The 400 problem+json of every refused request body: one `errors` entry per field. */
export function validationProblem(errors: FieldError[]): ProblemException {
  return new ProblemException(
    400,
    'validation',
    'Invalid request',
    errors.map((e) => `${e.field}: ${e.message}`).join('; '),
    { errors },
  );
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Global validation: DTO whitelists, unknown fields refused, errors listed per field in problem+json. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => validationProblem(flatten(errors)),
  });
}
