import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import {
  AbstractControl,
  NonNullableFormBuilder,
  ReactiveFormsModule,
  ValidationErrors,
  Validators,
} from '@angular/forms';
import { firstValueFrom } from 'rxjs';

import type { ProblemDetails } from '../core/contract';
import { portalAreas } from '../core/contract';
import { ProblemAlert } from '../core/problem-alert';
import { BackofficeApi } from './backoffice-api';
import { explain } from './messages';
import {
  bytesToBase64,
  encodeApproval,
  fromHex,
  parseDisclosureCode,
  trustwordsToCode,
  type DisclosureCode,
  type DisclosureRequestView,
  type SubmittedApproval,
} from './protocol';
import { smartCardSigner, softTokenSigner, type ApprovalSigner } from './signers';

type SigningMethod = 'soft-token' | 'smart-card';

/** Profession names for the confirmation (UZI profession code → name); specialisms that GPs recognise. */
const ROLE_NAMES: Record<string, string> = {
  '01.015': 'huisarts',
  '01': 'arts',
  '02': 'tandarts',
  '03': 'verloskundige',
  '04': 'fysiotherapeut',
  '16': 'psychotherapeut',
  '17': 'apotheker',
  '25': 'gezondheidszorgpsycholoog',
  '30': 'verpleegkundige',
  '31': 'orthopedagoog-generalist',
  '81': 'physician assistant',
  '82': 'klinisch technoloog',
};

/** Digits (6 + 4, any separators) or five trustwords, in either word list. */
function readCode(text: string): DisclosureCode {
  return /[a-z]/i.test(text) ? trustwordsToCode(text) : parseDisclosureCode(text);
}

function codeValidator(control: AbstractControl<string>): ValidationErrors | null {
  if (!control.value.trim()) return null;
  try {
    readCode(control.value);
    return null;
  } catch (error) {
    return { code: error };
  }
}

/**
 * The GP's screen: type the patient's code (digits or words), see the request (time, fingerprint), sign
 * with a certificate file or the UZI card, see who signed. The 4 secret digits never leave this page
 * except inside the signed approval.
 */
@Component({
  selector: 'app-disclosure-sign',
  imports: [DatePipe, ReactiveFormsModule, ProblemAlert],
  templateUrl: './disclosure-sign.html',
  styleUrl: './disclosure-sign.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class DisclosureSign {
  private readonly api = inject(BackofficeApi);
  private readonly fb = inject(NonNullableFormBuilder);

  protected readonly title = portalAreas.backoffice.title;
  protected readonly codeForm = this.fb.group({
    code: ['', [Validators.required, Validators.maxLength(200), codeValidator]],
  });
  protected readonly tokenForm = this.fb.group({
    password: ['', [Validators.required, Validators.maxLength(512)]],
  });

  protected readonly step = signal<'code' | 'request' | 'signed'>('code');
  protected readonly request = signal<DisclosureRequestView | null>(null);
  protected readonly method = signal<SigningMethod>('soft-token');
  protected readonly file = signal<File | null>(null);
  protected readonly busy = signal<string | null>(null);
  protected readonly problem = signal<ProblemDetails | null>(null);
  protected readonly codeSubmitted = signal(false);
  protected readonly result = signal<SubmittedApproval | null>(null);

  /** Kept in memory for this request only, to put into the approval. */
  private code: DisclosureCode | null = null;
  private ttlMinutes = 60;
  private bridgeUrl = 'http://127.0.0.1:8765';

  constructor() {
    this.api
      .settings()
      .pipe(takeUntilDestroyed())
      .subscribe({
        next: (s) => {
          this.ttlMinutes = s.requestTtlMinutes;
          this.bridgeUrl = s.smartCardBridgeUrl;
        },
        error: () => undefined,
      });
  }

  protected codeMessage(): string | null {
    const control = this.codeForm.controls.code;
    if (!control.invalid || !(control.touched || this.codeSubmitted())) return null;
    if (control.errors?.['required']) return 'Type the code the patient shows in the app.';
    const problem = explain(control.errors?.['code'], this.ttlMinutes);
    return problem.detail ?? problem.title;
  }

  protected async lookUp(): Promise<void> {
    this.codeSubmitted.set(true);
    this.problem.set(null);
    if (this.codeForm.invalid) return;
    const code = readCode(this.codeForm.controls.code.value);
    this.busy.set('lookup');
    try {
      const request = await firstValueFrom(this.api.lookup(code.reference));
      this.code = code;
      this.request.set(request);
      this.step.set('request');
    } catch (error) {
      this.problem.set(explain(error, this.ttlMinutes));
    } finally {
      this.busy.set(null);
    }
  }

  protected chooseFile(event: Event): void {
    const input = event.target as HTMLInputElement;
    this.file.set(input.files?.[0] ?? null);
  }

  protected async sign(): Promise<void> {
    const request = this.request();
    if (!request || !this.code) return;
    this.problem.set(null);
    if (this.method() === 'soft-token') {
      this.tokenForm.markAllAsTouched();
      if (!this.file()) {
        this.problem.set({
          type: 'about:blank',
          title: 'Choose your certificate file',
          status: 0,
          detail: 'Select the .p12 or .pfx file with your UZI signature certificate.',
        });
        return;
      }
      if (this.tokenForm.invalid) return;
    }
    this.busy.set('sign');
    try {
      const signer = await this.signer();
      const content = encodeApproval({ uploadHash: fromHex(request.uploadHash), code: this.code });
      const cms = await signer.sign(content);
      const result = await firstValueFrom(this.api.submit(request.id, bytesToBase64(cms)));
      this.result.set(result);
      this.step.set('signed');
      this.forget();
    } catch (error) {
      this.problem.set(explain(error, this.ttlMinutes));
    } finally {
      this.busy.set(null);
    }
  }

  protected roleName(role: string): string {
    return ROLE_NAMES[role] ?? ROLE_NAMES[role.slice(0, 2)] ?? role;
  }

  /** Back to the empty code field for the next patient. */
  protected next(): void {
    this.forget();
    this.codeForm.reset();
    this.codeSubmitted.set(false);
    this.request.set(null);
    this.result.set(null);
    this.problem.set(null);
    this.step.set('code');
  }

  private async signer(): Promise<ApprovalSigner> {
    if (this.method() === 'smart-card') return smartCardSigner(this.bridgeUrl);
    const file = this.file()!;
    return softTokenSigner(
      file.name,
      new Uint8Array(await file.arrayBuffer()),
      this.tokenForm.controls.password.value,
    );
  }

  /** Drops the code and the password as soon as they are no longer needed. */
  private forget(): void {
    this.code = null;
    this.file.set(null);
    this.tokenForm.reset();
  }
}
