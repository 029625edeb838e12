import {
  afterNextRender,
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  input,
  signal,
  viewChild,
} from '@angular/core';

let nextId = 0;

/**
 * Shows a temporary password exactly once (it is never fetched again), with a copy button and the
 * hand-over instructions. Focus moves to the heading so screen-reader users hear it appear.
 */
@Component({
  selector: 'app-temporary-password',
  templateUrl: './temporary-password.html',
  styleUrl: './temporary-password.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class TemporaryPassword {
  readonly heading = input.required<string>();
  readonly email = input.required<string>();
  readonly password = input.required<string>();

  protected readonly id = `temporary-password-${nextId++}`;
  protected readonly copyStatus = signal('');
  private readonly headingElement = viewChild.required<ElementRef<HTMLElement>>('headingElement');
  private readonly secret = viewChild.required<ElementRef<HTMLInputElement>>('secret');

  constructor() {
    afterNextRender(() => this.headingElement().nativeElement.focus());
  }

  protected async copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.password());
      this.copyStatus.set('Copied to the clipboard.');
    } catch {
      // No clipboard API (plain HTTP on another host) or permission denied: select it for the user.
      const input = this.secret().nativeElement;
      input.focus();
      input.select();
      this.copyStatus.set('Copying is not available here: the password is selected, press Ctrl+C or ⌘C.');
    }
  }

  protected selectAll(): void {
    this.secret().nativeElement.select();
  }
}
