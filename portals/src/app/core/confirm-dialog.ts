import {
  ChangeDetectionStrategy,
  Component,
  effect,
  ElementRef,
  input,
  output,
  viewChild,
} from '@angular/core';

let nextId = 0;

/**
 * A modal confirmation built on the native <dialog> (focus trap, Escape and backdrop semantics come
 * from the browser). Emits `closed` with true only when the confirm button was pressed.
 */
@Component({
  selector: 'app-confirm-dialog',
  template: `
    <dialog #dialog class="dialog" [attr.aria-labelledby]="headingId" (close)="onClose()">
      <form method="dialog">
        <h2 [id]="headingId">{{ heading() }}</h2>
        <div class="dialog-body"><ng-content /></div>
        <div class="actions">
          <button type="submit" value="cancel" class="button secondary" data-testid="confirm-cancel">
            Cancel
          </button>
          <button
            type="submit"
            value="confirm"
            class="button"
            [class.danger]="danger()"
            data-testid="confirm-ok"
          >
            {{ confirmLabel() }}
          </button>
        </div>
      </form>
    </dialog>
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ConfirmDialog {
  readonly open = input(false);
  readonly heading = input.required<string>();
  readonly confirmLabel = input('Confirm');
  readonly danger = input(false);
  readonly closed = output<boolean>();

  protected readonly headingId = `confirm-heading-${nextId++}`;
  private readonly dialog = viewChild.required<ElementRef<HTMLDialogElement>>('dialog');

  constructor() {
    effect(() => {
      const dialog = this.dialog().nativeElement;
      if (this.open() && !dialog.open) {
        dialog.returnValue = '';
        dialog.showModal();
      } else if (!this.open() && dialog.open) {
        dialog.close();
      }
    });
  }

  protected onClose(): void {
    this.closed.emit(this.dialog().nativeElement.returnValue === 'confirm');
  }
}
