import { HttpErrorResponse } from '@angular/common/http';
import { signal } from '@angular/core';
import { AbstractControl, FormGroup, ValidationErrors } from '@angular/forms';

import type { ProblemDetails } from './contract';

function isProblem(body: unknown): body is ProblemDetails {
  return typeof body === 'object' && body !== null && typeof (body as ProblemDetails).title === 'string';
}

/** Any failure as RFC 9457 problem details, so every screen shows errors the same way. */
export function toProblem(error: unknown): ProblemDetails {
  if (error instanceof HttpErrorResponse) {
    if (isProblem(error.error)) {
      return error.error;
    }
    if (error.status === 0) {
      return {
        type: 'about:blank',
        title: 'The server cannot be reached',
        status: 0,
        detail: 'Check your network connection and try again.',
      };
    }
    return { type: 'about:blank', title: error.statusText || 'The request failed', status: error.status };
  }
  return { type: 'about:blank', title: 'Something went wrong', status: 0, detail: 'Please try again.' };
}

/** Client-side validation messages in plain words; `label` is the field's visible label. */
export function describeValidation(label: string, errors: ValidationErrors): string {
  const length = (key: string): number => (errors[key] as { requiredLength: number }).requiredLength;
  if (errors['required']) {
    return `${label} is required.`;
  }
  if (errors['email']) {
    return 'Enter an email address such as name@example.org.';
  }
  if (errors['minlength']) {
    return `${label} must be at least ${length('minlength')} characters.`;
  }
  if (errors['maxlength']) {
    return `${label} must be at most ${length('maxlength')} characters.`;
  }
  if (typeof errors['message'] === 'string') {
    return errors['message'];
  }
  return `${label} is not valid.`;
}

interface ServerFieldError {
  message: string;
  /** The value the server rejected; the message disappears once the user changes it. */
  value: string;
}

/**
 * Error state of one reactive form: client validation messages once a field is touched or the form
 * submitted, the server's `errors[]` next to the fields they name, and the rest as one problem.
 */
export class FormProblems {
  readonly problem = signal<ProblemDetails | null>(null);
  private readonly submitted = signal(false);
  private readonly serverErrors = signal<Record<string, ServerFieldError>>({});

  constructor(
    private readonly form: FormGroup,
    private readonly labels: Record<string, string>,
  ) {}

  /** Marks the form submitted and clears earlier server errors; true when it may be sent. */
  submit(): boolean {
    this.submitted.set(true);
    this.problem.set(null);
    this.serverErrors.set({});
    this.form.markAllAsTouched();
    return this.form.valid;
  }

  /** Spreads a failed request over the fields it names; what is left becomes the form's problem. */
  fail(error: unknown): void {
    const problem = toProblem(error);
    const fields: Record<string, ServerFieldError> = {};
    const rest: NonNullable<ProblemDetails['errors']> = [];
    for (const fieldError of problem.errors ?? []) {
      const control = this.form.get(fieldError.field);
      if (control && fieldError.field in this.labels) {
        const earlier = fields[fieldError.field]?.message;
        fields[fieldError.field] = {
          message: earlier ? `${earlier} ${fieldError.message}` : fieldError.message,
          value: JSON.stringify(control.value),
        };
      } else {
        rest.push(fieldError);
      }
    }
    this.serverErrors.set(fields);
    const onlyFieldErrors = rest.length === 0 && Object.keys(fields).length > 0;
    this.problem.set({
      ...problem,
      errors: rest,
      ...(onlyFieldErrors ? { detail: 'Please correct the fields marked below.' } : {}),
    });
  }

  /** The message to show under `field`, or null. */
  message(field: string): string | null {
    const control: AbstractControl | null = this.form.get(field);
    const server = this.serverErrors()[field];
    if (server && control && JSON.stringify(control.value) === server.value) {
      return server.message;
    }
    if (!control || !control.invalid || !(control.touched || this.submitted())) {
      return null;
    }
    return describeValidation(this.labels[field] ?? field, control.errors ?? {});
  }

  /** Whether the whole form was submitted at least once (for group-level messages). */
  wasSubmitted(): boolean {
    return this.submitted();
  }
}
